// swift-tools-version: 6.2
import PackageDescription

/// Strict settings for every Sluice target: Swift 6 language mode is the
/// package default; these add the checks SwiftNIO and Hummingbird build with.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "sluice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
        .library(name: "SluiceClient", targets: ["SluiceClient", "SluiceCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Pure core: subjects, patterns, scopes, principals, key format, events,
        // lifecycle, faces and redaction, SSE framing, errors. No I/O.
        .target(name: "SluiceCore", swiftSettings: strict),
        // libjwt (and the OpenSSL it links) as a system library.
        .systemLibrary(
            name: "CJWT",
            pkgConfig: "libjwt",
            providers: [.apt(["libjwt-dev", "libssl-dev"])]
        ),
        // glibc's malloc.h (mallopt), for the command's allocator tuning.
        .systemLibrary(name: "CMalloc"),
        // Safe Swift wrapper over libjwt: mint and verify with the algorithm pinned,
        // time and audience claims checked here; SHA-256 and constant-time compare.
        .target(name: "SluiceCrypto", dependencies: ["CJWT", "SluiceCore"], swiftSettings: strict),
        // The narrow storage protocol every engine implements.
        .target(name: "SluiceStore", dependencies: ["SluiceCore"], swiftSettings: strict),
        // SQLite engine: GRDB 7 on the system SQLite, WAL, versioned migrations.
        .target(
            name: "SluiceSQLite",
            dependencies: [
                "SluiceCore", "SluiceStore", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        // PostgreSQL engine on postgres-nio: several nodes on one database (contract section 11).
        .target(
            name: "SluicePostgres",
            dependencies: [
                "SluiceCore", "SluiceStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Opens the engine a database URL names (SQLite or PostgreSQL), for the
        // executable and the test harness; the server sees only the protocol.
        .target(
            name: "SluiceStorage",
            dependencies: [
                "SluiceCore", "SluiceStore", "SluiceSQLite", "SluicePostgres",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Subscriptions, fan-out, replay and backpressure; no HTTP.
        .target(
            name: "SluiceHub",
            dependencies: [
                "SluiceCore", "SluiceStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Hummingbird routes, authentication, problem+json, configuration, services.
        .target(
            name: "SluiceServer",
            dependencies: [
                "SluiceCore", "SluiceStore", "SluiceHub", "SluiceCrypto",
                .target(name: "CMalloc", condition: .when(platforms: [.linux])),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict
        ),
        // The Swift client: publish with idempotency and retries, resuming
        // streams, run state, administration. On AsyncHTTPClient and the core.
        .target(
            name: "SluiceClient",
            dependencies: [
                "SluiceCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Starts a real server on a free loopback port for integration tests.
        .target(
            name: "SluiceTesting",
            dependencies: [
                "SluiceServer", "SluiceCore", "SluiceStore", "SluiceStorage",
                "SluiceClient",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        // The thin command: argument parsing and wiring.
        .executableTarget(
            name: "sluice",
            dependencies: [
                "SluiceServer", "SluiceCore", "SluiceStore", "SluiceStorage", "SluiceCrypto",
                "SluiceClient",
                .target(name: "CMalloc", condition: .when(platforms: [.linux])),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Benchmarks/run's floor for the connections-per-second cell: the
        // least a SwiftNIO server does per public stream (Benchmarks/NIOFloor/main.swift).
        .executableTarget(
            name: "niofloor",
            dependencies: [
                .target(name: "CMalloc", condition: .when(platforms: [.linux])),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/NIOFloor",
            swiftSettings: strict
        ),
        .testTarget(name: "SluiceCoreTests", dependencies: ["SluiceCore"], swiftSettings: strict),
        .testTarget(
            name: "SluiceCryptoTests", dependencies: ["SluiceCrypto", "SluiceCore"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(
            name: "SluiceStoreTests",
            dependencies: [
                "SluiceStore", "SluiceSQLite", "SluiceCore", "SluicePostgres", "SluiceTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SluiceHubTests",
            dependencies: ["SluiceHub", "SluiceStore", "SluiceSQLite", "SluiceCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SluiceServerTests",
            dependencies: [
                "SluiceTesting", "SluiceServer", "SluiceCore", "SluiceCrypto", "SluiceHub", "SluiceStore", "SluiceSQLite",
                "SluiceClient",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
    ]
)
