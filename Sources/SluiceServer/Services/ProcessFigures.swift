import Foundation

#if canImport(Glibc)
    import CMalloc
    import Glibc
#endif

/// The process's own figures, read from `/proc/self` at scrape time under
/// the names every Prometheus client library uses, so stock dashboards work.
/// Where `/proc` is missing (macOS) the figures are simply left out.
struct ProcessFigures {
    var residentBytes: Int?
    var openDescriptors: Int?
    var cpuSeconds: Double?
    /// The allocator's bytes handed out and not freed (glibc `mallinfo2`:
    /// arena chunks in use plus mmap'd blocks): what the process holds.
    var heapInUseBytes: Int?

    static func read() -> ProcessFigures {
        var figures = ProcessFigures()
        #if os(Linux)
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            // statm: size resident shared text lib data dt (in pages).
            if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) {
                let fields = statm.split(separator: " ")
                if fields.count > 1, let pages = Int(fields[1]), page > 0 {
                    figures.residentBytes = pages.multipliedReportingOverflow(by: page).partialValue
                }
            }
            if let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
                figures.openDescriptors = entries.count
            }
            // stat: fields after the ")" that ends the command name; utime and
            // stime are the 14th and 15th fields of the whole line.
            if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") {
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                if fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]), ticks > 0 {
                    figures.cpuSeconds = (user + system) / ticks
                }
            }
            let heap = mallinfo2()
            figures.heapInUseBytes = Int(clamping: heap.uordblks).addingReportingOverflow(Int(clamping: heap.hblkhd)).partialValue
        #endif
        return figures
    }

    /// The figures as Prometheus text, each with its `# HELP` and `# TYPE`.
    var exposition: String {
        var text = ""
        if let residentBytes {
            text += "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
            text += "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes \(residentBytes)\n"
        }
        if let openDescriptors {
            text += "# HELP process_open_fds Number of open file descriptors.\n"
            text += "# TYPE process_open_fds gauge\nprocess_open_fds \(openDescriptors)\n"
        }
        if let cpuSeconds {
            text += "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
            text += "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total \(cpuSeconds)\n"
        }
        if let heapInUseBytes {
            text += "# HELP sluice_process_heap_in_use_bytes Heap bytes allocated and not freed.\n"
            text += "# TYPE sluice_process_heap_in_use_bytes gauge\nsluice_process_heap_in_use_bytes \(heapInUseBytes)\n"
        }
        return text
    }
}
