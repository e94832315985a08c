/// The OpenAPI 3.1 description of every route of the contract, served at
/// `GET /openapi.json` without credentials. This text is the source of truth
/// (kept by hand with the routes): CI validates it as OpenAPI 3.1 and runs
/// schemathesis with it against a live gateway; a test checks that every
/// route the router knows is described.
enum OpenAPIDocument {
    static let text = #"""
        {
         "openapi": "3.1.0",
         "info": {
           "title": "Sluice",
           "version": "1.0.0",
           "description": "Multi-tenant event gateway. The contract is SPEC.md; errors are application/problem+json with a stable `code`."
          },
         "servers": [{"url": "/"}],
         "tags": [
           {"name": "system"},
           {"name": "administration"},
           {"name": "keys"},
           {"name": "events"},
           {"name": "streams"},
           {"name": "share tokens"},
           {"name": "webhooks"},
           {"name": "clients"}
          ],
         "paths": {
           "/healthz": {
             "get": {
               "operationId": "healthz",
               "summary": "Liveness.",
               "tags": ["system"],
               "parameters": [],
               "responses": {
                 "200": {
                   "description": "Alive.",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": []
              }
            },
           "/readyz": {
             "get": {
               "operationId": "readyz",
               "summary": "Readiness: the store answers.",
               "tags": ["system"],
               "parameters": [],
               "responses": {
                 "200": {
                   "description": "Ready.",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [],
               "description": "200 while the store answers a read; 503 `unavailable` otherwise (open streams are kept)."
              }
            },
           "/metrics": {
             "get": {
               "operationId": "metrics",
               "summary": "Prometheus text exposition.",
               "tags": ["system"],
               "parameters": [],
               "responses": {
                 "200": {"description": "Metrics.", "content": {"text/plain": {"schema": {"type": "string"}}}},
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": []
              }
            },
           "/openapi.json": {
             "get": {
               "operationId": "openapi",
               "summary": "This description.",
               "tags": ["system"],
               "parameters": [],
               "responses": {
                 "200": {"description": "OpenAPI 3.1.", "content": {"application/json": {"schema": {"type": "object"}}}},
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": []
              }
            },
           "/sdk/sluice.js": {
             "get": {
               "operationId": "sdk",
               "summary": "The browser module (`subscribe(url, {onEvent, onApply, onInvalidate, onStatus})`).",
               "tags": ["clients"],
               "parameters": [],
               "responses": {
                 "200": {"description": "JavaScript module.", "content": {"text/javascript": {"schema": {"type": "string"}}}},
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": []
              }
            },
           "/api/circles": {
             "post": {
               "operationId": "createCircle",
               "summary": "Create a circle.",
               "tags": ["administration"],
               "parameters": [],
               "responses": {
                 "201": {
                   "description": "Created.",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Circle"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}],
               "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CircleCreate"}}}}
              },
             "get": {
               "operationId": "listCircles",
               "summary": "List circles.",
               "tags": ["administration"],
               "parameters": [],
               "responses": {
                 "200": {
                   "description": "Every circle.",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CircleList"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}]
              }
            },
           "/api/circles/{circle}": {
             "get": {
               "operationId": "getCircle",
               "summary": "One circle.",
               "tags": ["administration"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 }
                ],
               "responses": {
                 "200": {
                   "description": "The circle.",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Circle"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}]
              },
             "delete": {
               "operationId": "deleteCircle",
               "summary": "Delete a circle: every credential and stream of it ends.",
               "tags": ["administration"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 }
                ],
               "responses": {
                 "204": {"description": "Deleted."},
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}]
              }
            },
           "/api/circles/{circle}/limits": {
             "get": {
               "operationId": "getLimits",
               "summary": "The circle's tenant-fairness limits.",
               "tags": ["administration"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 }
                ],
               "responses": {
                 "200": {
                   "description": "Limits.",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Limits"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}]
              },
             "put": {
               "operationId": "putLimits",
               "summary": "Set the circle's limits (null: the gateway default).",
               "tags": ["administration"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 }
                ],
               "responses": {
                 "200": {
                   "description": "Limits in force.",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Limits"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}],
               "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Limits"}}}}
              }
            },
           "/api/{circle}/keys": {
             "post": {
               "operationId": "createKey",
               "summary": "Create an API key (shown once).",
               "tags": ["keys"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 }
                ],
               "responses": {
                 "201": {
                   "description": "Created; `key` is shown only here.",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Key"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}],
               "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/KeyCreate"}}}}
              },
             "get": {
               "operationId": "listKeys",
               "summary": "List the circle's keys (never their secrets).",
               "tags": ["keys"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 }
                ],
               "responses": {
                 "200": {
                   "description": "Keys.",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/KeyList"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}]
              }
            },
           "/api/{circle}/keys/{id}": {
             "delete": {
               "operationId": "revokeKey",
               "summary": "Revoke a key; its streams close within 1 s.",
               "tags": ["keys"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 },
                 {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "Key id.",
                  "schema": {"type": "string", "maxLength": 64}
                 }
                ],
               "responses": {
                 "204": {"description": "Revoked."},
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}]
              }
            },
           "/api/{circle}/keys/{id}/rotate": {
             "post": {
               "operationId": "rotateKey",
               "summary": "Give a key a new secret (shown once).",
               "tags": ["keys"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 },
                 {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "Key id.",
                  "schema": {"type": "string", "maxLength": 64}
                 }
                ],
               "responses": {
                 "200": {"description": "Rotated.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Key"}}}},
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}]
              }
            },
           "/api/{circle}/events": {
             "post": {
               "operationId": "publish",
               "summary": "Publish one event or a batch of up to 1,000 (all-or-nothing).",
               "tags": ["events"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 },
                 {
                  "name": "Idempotency-Key",
                  "in": "header",
                  "required": false,
                  "description": "1-255 printable ASCII: a retry answers what the first request answered.",
                  "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x20-\\x7e]+$"}
                 },
                 {
                  "name": "traceparent",
                  "in": "header",
                  "required": false,
                  "description": "W3C trace context; events without `trace_id` take its trace id. Malformed: ignored.",
                  "schema": {"type": "string", "maxLength": 512}
                 }
                ],
               "responses": {
                 "201": {
                   "description": "Durably committed.",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ids"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}],
               "requestBody": {
                 "required": true,
                 "content": {
                   "application/json": {
                     "schema": {"oneOf": [{"$ref": "#/components/schemas/EventInput"}, {"$ref": "#/components/schemas/EventBatch"}]}
                    }
                  }
                }
              }
            },
           "/api/events/{circle}": {
             "get": {
               "operationId": "stream",
               "summary": "Follow the circle's events (SSE).",
               "tags": ["streams"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 },
                 {
                  "name": "events",
                  "in": "query",
                  "required": false,
                  "description": "`message`: no `event:` line, so `onmessage` sees every event.",
                  "schema": {"type": "string", "enum": ["message"]}
                 },
                 {
                  "name": "subjects",
                  "in": "query",
                  "required": false,
                  "description": "Comma-separated NATS patterns, at most 32 (default `>`).",
                  "schema": {"type": "string", "maxLength": 8192}
                 },
                 {
                  "name": "last_event_id",
                  "in": "query",
                  "required": false,
                  "description": "Resume after this id (`0`: from the start). The `Last-Event-ID` header wins.",
                  "schema": {"type": "string", "maxLength": 256}
                 },
                 {
                  "name": "Last-Event-ID",
                  "in": "header",
                  "required": false,
                  "description": "Resume after this id.",
                  "schema": {"type": "string", "maxLength": 256}
                 }
                ],
               "responses": {
                 "200": {
                   "description": "The stream.",
                   "content": {
                     "text/event-stream": {
                       "schema": {
                         "type": "string",
                         "description": "Server-Sent Events: `retry:`, `event: connected`, optional `event: reset`, then one `id:`/`event:`/`data:` frame per event (data is an Envelope), `: ping` heartbeats."
                        }
                      }
                    },
                   "headers": {"Cache-Control": {"schema": {"type": "string"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}]
              }
            },
           "/api/events/{circle}/ws": {
             "get": {
               "operationId": "streamWebSocket",
               "summary": "Follow the circle's events over a WebSocket: one JSON envelope per text message.",
               "tags": ["streams"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 },
                 {
                  "name": "subjects",
                  "in": "query",
                  "required": false,
                  "description": "Comma-separated NATS patterns, at most 32 (default `>`).",
                  "schema": {"type": "string", "maxLength": 8192}
                 },
                 {
                  "name": "last_event_id",
                  "in": "query",
                  "required": false,
                  "description": "Resume after this id (`0`: from the start). The `Last-Event-ID` header wins.",
                  "schema": {"type": "string", "maxLength": 256}
                 },
                 {
                  "name": "Last-Event-ID",
                  "in": "header",
                  "required": false,
                  "description": "Resume after this id.",
                  "schema": {"type": "string", "maxLength": 256}
                 }
                ],
               "responses": {
                 "101": {"description": "Switching to the WebSocket protocol."},
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}],
               "description": "Without an upgrade the route answers the error that kept it from upgrading (400 when nothing else is wrong)."
              }
            },
           "/api/{circle}/runs/{run_id}/events": {
             "get": {
               "operationId": "streamRun",
               "summary": "Follow one run: history, then live; closes after its terminal event.",
               "tags": ["streams"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 },
                 {
                  "name": "run_id",
                  "in": "path",
                  "required": true,
                  "description": "Run id (1-128 bytes).",
                  "schema": {"type": "string", "minLength": 1, "maxLength": 128}
                 },
                 {
                  "name": "events",
                  "in": "query",
                  "required": false,
                  "description": "`message`: no `event:` line, so `onmessage` sees every event.",
                  "schema": {"type": "string", "enum": ["message"]}
                 },
                 {
                  "name": "subjects",
                  "in": "query",
                  "required": false,
                  "description": "Comma-separated NATS patterns, at most 32 (default `>`).",
                  "schema": {"type": "string", "maxLength": 8192}
                 },
                 {
                  "name": "last_event_id",
                  "in": "query",
                  "required": false,
                  "description": "Resume after this id (`0`: from the start). The `Last-Event-ID` header wins.",
                  "schema": {"type": "string", "maxLength": 256}
                 },
                 {
                  "name": "Last-Event-ID",
                  "in": "header",
                  "required": false,
                  "description": "Resume after this id.",
                  "schema": {"type": "string", "maxLength": 256}
                 }
                ],
               "responses": {
                 "200": {
                   "description": "The stream.",
                   "content": {
                     "text/event-stream": {
                       "schema": {
                         "type": "string",
                         "description": "Server-Sent Events: `retry:`, `event: connected`, optional `event: reset`, then one `id:`/`event:`/`data:` frame per event (data is an Envelope), `: ping` heartbeats."
                        }
                      }
                    },
                   "headers": {"Cache-Control": {"schema": {"type": "string"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}]
              }
            },
           "/api/{circle}/runs/{run_id}": {
             "get": {
               "operationId": "getRun",
               "summary": "The run's state now.",
               "tags": ["streams"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 },
                 {
                  "name": "run_id",
                  "in": "path",
                  "required": true,
                  "description": "Run id (1-128 bytes).",
                  "schema": {"type": "string", "minLength": 1, "maxLength": 128}
                 }
                ],
               "responses": {
                 "200": {
                   "description": "Run state.",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunState"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}]
              }
            },
           "/api/public/events/{circle}": {
             "get": {
               "operationId": "publicStream",
               "summary": "Public stream of a share token (opaque ids).",
               "tags": ["share tokens"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 },
                 {
                  "name": "t",
                  "in": "query",
                  "required": false,
                  "description": "Share token.",
                  "schema": {"type": "string", "maxLength": 8192}
                 },
                 {
                  "name": "events",
                  "in": "query",
                  "required": false,
                  "description": "`message`: no `event:` line, so `onmessage` sees every event.",
                  "schema": {"type": "string", "enum": ["message"]}
                 },
                 {
                  "name": "subjects",
                  "in": "query",
                  "required": false,
                  "description": "Comma-separated NATS patterns, at most 32 (default `>`).",
                  "schema": {"type": "string", "maxLength": 8192}
                 },
                 {
                  "name": "last_event_id",
                  "in": "query",
                  "required": false,
                  "description": "Resume after this id (`0`: from the start). The `Last-Event-ID` header wins.",
                  "schema": {"type": "string", "maxLength": 256}
                 },
                 {
                  "name": "Last-Event-ID",
                  "in": "header",
                  "required": false,
                  "description": "Resume after this id.",
                  "schema": {"type": "string", "maxLength": 256}
                 }
                ],
               "responses": {
                 "200": {
                   "description": "The stream.",
                   "content": {
                     "text/event-stream": {
                       "schema": {
                         "type": "string",
                         "description": "Server-Sent Events: `retry:`, `event: connected`, optional `event: reset`, then one `id:`/`event:`/`data:` frame per event (data is an Envelope), `: ping` heartbeats."
                        }
                      }
                    },
                   "headers": {"Cache-Control": {"schema": {"type": "string"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"shareToken": []}]
              },
             "options": {
               "operationId": "publicStreamPreflight",
               "summary": "CORS preflight for the public stream.",
               "tags": ["share tokens"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 },
                 {
                  "name": "t",
                  "in": "query",
                  "required": false,
                  "description": "Share token.",
                  "schema": {"type": "string", "maxLength": 8192}
                 }
                ],
               "responses": {
                 "204": {"description": "Preflight answered."},
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"shareToken": []}]
              }
            },
           "/embed/{circle}": {
             "get": {
               "operationId": "embed",
               "summary": "Live widget page of a share token.",
               "tags": ["share tokens"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 },
                 {
                  "name": "t",
                  "in": "query",
                  "required": false,
                  "description": "Share token.",
                  "schema": {"type": "string", "maxLength": 8192}
                 },
                 {
                  "name": "theme",
                  "in": "query",
                  "required": false,
                  "description": "`light` or `dark`.",
                  "schema": {"type": "string", "maxLength": 16}
                 }
                ],
               "responses": {
                 "200": {"description": "HTML page.", "content": {"text/html": {"schema": {"type": "string"}}}},
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"shareToken": []}]
              }
            },
           "/api/{circle}/_share/mint": {
             "post": {
               "operationId": "mintShare",
               "summary": "Mint a share token.",
               "tags": ["share tokens"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 }
                ],
               "responses": {
                 "201": {
                   "description": "Minted.",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ShareMinted"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}],
               "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ShareMint"}}}}
              }
            },
           "/api/{circle}/_share": {
             "get": {
               "operationId": "listShares",
               "summary": "List live share tokens (never the tokens).",
               "tags": ["share tokens"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 }
                ],
               "responses": {
                 "200": {
                   "description": "Tokens.",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ShareList"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}]
              }
            },
           "/api/{circle}/_share/{jti}": {
             "delete": {
               "operationId": "revokeShare",
               "summary": "Revoke a share token; its streams close within 1 s.",
               "tags": ["share tokens"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 },
                 {
                  "name": "jti",
                  "in": "path",
                  "required": true,
                  "description": "Token id.",
                  "schema": {"type": "string", "maxLength": 128}
                 }
                ],
               "responses": {
                 "204": {"description": "Revoked."},
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}]
              }
            },
           "/api/{circle}/webhooks": {
             "post": {
               "operationId": "createWebhook",
               "summary": "Create a webhook subscription (`secret` shown here only).",
               "tags": ["webhooks"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 }
                ],
               "responses": {
                 "201": {
                   "description": "Created.",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Webhook"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}],
               "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WebhookCreate"}}}}
              },
             "get": {
               "operationId": "listWebhooks",
               "summary": "List webhook subscriptions (never their secrets).",
               "tags": ["webhooks"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 }
                ],
               "responses": {
                 "200": {
                   "description": "Subscriptions.",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WebhookList"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}]
              }
            },
           "/api/{circle}/webhooks/{id}": {
             "get": {
               "operationId": "getWebhook",
               "summary": "One webhook subscription.",
               "tags": ["webhooks"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 },
                 {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "Webhook subscription id.",
                  "schema": {"type": "string", "maxLength": 64}
                 }
                ],
               "responses": {
                 "200": {
                   "description": "The subscription.",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Webhook"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}]
              },
             "patch": {
               "operationId": "patchWebhook",
               "summary": "Change a subscription.",
               "tags": ["webhooks"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 },
                 {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "Webhook subscription id.",
                  "schema": {"type": "string", "maxLength": 64}
                 }
                ],
               "responses": {
                 "200": {
                   "description": "Changed.",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Webhook"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}],
               "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WebhookPatch"}}}}
              },
             "delete": {
               "operationId": "deleteWebhook",
               "summary": "Delete a subscription.",
               "tags": ["webhooks"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 },
                 {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "Webhook subscription id.",
                  "schema": {"type": "string", "maxLength": 64}
                 }
                ],
               "responses": {
                 "204": {"description": "Deleted."},
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}]
              }
            },
           "/api/{circle}/webhooks/{id}/rotate": {
             "post": {
               "operationId": "rotateWebhook",
               "summary": "A new secret; both sign for 24 h.",
               "tags": ["webhooks"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 },
                 {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "Webhook subscription id.",
                  "schema": {"type": "string", "maxLength": 64}
                 }
                ],
               "responses": {
                 "200": {
                   "description": "Rotated; `secret` shown here only.",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Webhook"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}]
              }
            },
           "/api/{circle}/webhooks/{id}/deliveries": {
             "get": {
               "operationId": "listDeliveries",
               "summary": "Recent deliveries.",
               "tags": ["webhooks"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 },
                 {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "Webhook subscription id.",
                  "schema": {"type": "string", "maxLength": 64}
                 },
                 {
                  "name": "status",
                  "in": "query",
                  "required": false,
                  "description": "Only deliveries in this state.",
                  "schema": {"type": "string", "enum": ["pending", "failed", "succeeded"]}
                 }
                ],
               "responses": {
                 "200": {
                   "description": "Deliveries.",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DeliveryList"}}}
                  },
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}]
              }
            },
           "/api/{circle}/webhooks/{id}/replay": {
             "post": {
               "operationId": "replayWebhook",
               "summary": "Deliver again every retained event after a point.",
               "tags": ["webhooks"],
               "parameters": [
                 {
                  "name": "circle",
                  "in": "path",
                  "required": true,
                  "description": "Circle id.",
                  "schema": {"$ref": "#/components/schemas/CircleID"}
                 },
                 {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "Webhook subscription id.",
                  "schema": {"type": "string", "maxLength": 64}
                 }
                ],
               "responses": {
                 "202": {"description": "Replay scheduled.", "content": {"application/json": {"schema": {"type": "object"}}}},
                 "400": {"$ref": "#/components/responses/Problem"},
                 "401": {"$ref": "#/components/responses/Problem"},
                 "403": {"$ref": "#/components/responses/Problem"},
                 "404": {"$ref": "#/components/responses/Problem"},
                 "405": {"$ref": "#/components/responses/Problem"},
                 "409": {"$ref": "#/components/responses/Problem"},
                 "413": {"$ref": "#/components/responses/Problem"},
                 "422": {"$ref": "#/components/responses/Problem"},
                 "429": {"$ref": "#/components/responses/Problem"},
                 "503": {"$ref": "#/components/responses/Problem"}
                },
               "security": [{"apiKeyHeader": []}, {"bearer": []}, {"sessionCookie": []}],
               "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WebhookReplay"}}}}
              }
            }
          },
         "components": {
           "securitySchemes": {
             "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-Api-Key", "description": "An API key `slk_<id>_<secret>`."},
             "bearer": {"type": "http", "scheme": "bearer", "description": "An API key or a portal session JWT."},
             "sessionCookie": {
               "type": "apiKey",
               "in": "cookie",
               "name": "sluice_session",
               "description": "A portal session JWT (browsers' EventSource)."
              },
             "shareToken": {"type": "apiKey", "in": "query", "name": "t", "description": "A share token, on the public routes only."}
            },
           "responses": {
             "Problem": {
               "description": "An error, as application/problem+json.",
               "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
              }
            },
           "schemas": {
             "CircleID": {
               "type": "string",
               "pattern": "^[a-z0-9][a-z0-9-]{0,62}$",
               "description": "Not one of the reserved `events`, `public`, `circles`, `embed`, `metrics`."
              },
             "Problem": {
               "type": "object",
               "description": "RFC 9457 problem details.",
               "required": ["type", "title", "status", "code", "detail"],
               "properties": {
                 "type": {"type": "string"},
                 "title": {"type": "string"},
                 "status": {"type": "integer"},
                 "code": {"$ref": "#/components/schemas/ProblemCode"},
                 "detail": {"type": "string"},
                 "field": {"type": "string", "description": "The input field at fault."}
                }
              },
             "ProblemCode": {
               "type": "string",
               "description": "Stable error codes (README, Errors).",
               "enum": [
                 "unauthorized",
                 "forbidden",
                 "not_found",
                 "method_not_allowed",
                 "invalid_request",
                 "invalid_json",
                 "payload_too_large",
                 "lifecycle_violation",
                 "conflict",
                 "circle_exists",
                 "too_many_connections",
                 "rate_limited",
                 "idempotency_mismatch",
                 "invalid_policy",
                 "unavailable",
                 "internal_error"
                ]
              },
             "Status": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}},
             "CircleCreate": {
               "type": "object",
               "required": ["id"],
               "properties": {"id": {"$ref": "#/components/schemas/CircleID"}, "name": {"type": "string", "minLength": 1, "maxLength": 200}}
              },
             "Circle": {
               "type": "object",
               "required": ["id"],
               "properties": {
                 "id": {"type": "string"},
                 "name": {"type": ["string", "null"]},
                 "created_at": {"type": "string", "format": "date-time"}
                }
              },
             "CircleList": {
               "type": "object",
               "required": ["circles"],
               "properties": {"circles": {"type": "array", "items": {"$ref": "#/components/schemas/Circle"}}}
              },
             "Limits": {
               "type": "object",
               "properties": {
                 "events_per_second": {"type": ["integer", "null"], "minimum": 1},
                 "streams": {"type": ["integer", "null"], "minimum": 1}
                }
              },
             "Scope": {
               "type": "string",
               "enum": ["events:read", "events:publish", "share:manage", "keys:manage", "webhooks:manage", "platform:admin"]
              },
             "KeyCreate": {
               "type": "object",
               "required": ["scopes"],
               "properties": {
                 "scopes": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Scope"}},
                 "subjects": {"type": "array", "items": {"type": "string"}},
                 "face": {"type": "string"},
                 "name": {"type": "string", "maxLength": 128},
                 "expires_in_seconds": {"type": "integer", "minimum": 1, "maximum": 315360000}
                }
              },
             "Key": {
               "type": "object",
               "required": ["id", "scopes", "subjects", "face", "created_at"],
               "properties": {
                 "id": {"type": "string"},
                 "key": {"type": "string", "description": "The whole key, at creation and rotation only."},
                 "circle": {"type": ["string", "null"]},
                 "name": {"type": ["string", "null"]},
                 "scopes": {"type": "array", "items": {"type": "string"}},
                 "subjects": {"type": "array", "items": {"type": "string"}},
                 "face": {"type": "string"},
                 "created_at": {"type": "string", "format": "date-time"},
                 "expires_at": {"type": ["string", "null"], "format": "date-time"},
                 "revoked_at": {"type": ["string", "null"], "format": "date-time"},
                 "last_used_at": {"type": ["string", "null"], "format": "date-time"}
                }
              },
             "KeyList": {
               "type": "object",
               "required": ["keys"],
               "properties": {"keys": {"type": "array", "items": {"$ref": "#/components/schemas/Key"}}}
              },
             "Actor": {
               "type": "object",
               "required": ["type"],
               "properties": {"type": {"type": "string", "enum": ["user", "agent", "system", "external"]}, "id": {"type": "string"}}
              },
             "EventInput": {
               "type": "object",
               "required": ["subject"],
               "properties": {
                 "subject": {"type": "string", "maxLength": 255},
                 "payload": {"type": "object"},
                 "invocation_id": {"type": "string"},
                 "run_id": {"type": "string"},
                 "actor": {"$ref": "#/components/schemas/Actor"},
                 "trace_id": {"type": "string"},
                 "cache": {"type": "string", "enum": ["apply", "invalidate"]}
                }
              },
             "EventBatch": {
               "type": "object",
               "required": ["events"],
               "properties": {"events": {"type": "array", "maxItems": 1000, "items": {"$ref": "#/components/schemas/EventInput"}}}
              },
             "Ids": {"type": "object", "required": ["ids"], "properties": {"ids": {"type": "array", "items": {"type": "string"}}}},
             "Envelope": {
               "type": "object",
               "description": "A stored event through a face; `data:` of each SSE frame.",
               "required": ["id", "subject", "kind", "timestamp", "cache", "redacted"],
               "properties": {
                 "id": {"type": "string"},
                 "circle": {"type": "string"},
                 "subject": {"type": "string"},
                 "kind": {"type": "string"},
                 "invocation_id": {"type": "string"},
                 "run_id": {"type": "string"},
                 "actor": {"$ref": "#/components/schemas/Actor"},
                 "trace_id": {"type": "string"},
                 "cache": {"type": "string", "enum": ["apply", "invalidate"]},
                 "redacted": {"type": "boolean"},
                 "payload": {"type": "object"},
                 "timestamp": {"type": "string", "format": "date-time"}
                }
              },
             "RunState": {
               "type": "object",
               "required": ["run_id", "status", "started_at", "ended_at", "last_event_id", "invocations", "terminal"],
               "properties": {
                 "run_id": {"type": "string"},
                 "status": {"type": "string", "enum": ["running", "completed", "failed", "cancelled"]},
                 "started_at": {"type": "string", "format": "date-time"},
                 "ended_at": {"type": ["string", "null"], "format": "date-time"},
                 "last_event_id": {"type": ["string", "null"]},
                 "invocations": {
                   "type": "array",
                   "items": {
                     "type": "object",
                     "properties": {
                       "invocation_id": {"type": "string"},
                       "status": {"type": "string"},
                       "started_at": {"type": "string", "format": "date-time"},
                       "ended_at": {"type": ["string", "null"], "format": "date-time"}
                      }
                    }
                  },
                 "terminal": {"oneOf": [{"$ref": "#/components/schemas/Envelope"}, {"type": "null"}]}
                }
              },
             "ShareMint": {
               "type": "object",
               "required": ["element", "purpose"],
               "properties": {
                 "element": {"type": "string"},
                 "purpose": {"type": "string", "description": "A face defined for the circle."},
                 "subjects": {"type": "array", "items": {"type": "string"}},
                 "ttl_seconds": {"type": "integer", "minimum": 1},
                 "max_connections": {"type": "integer", "minimum": 1, "maximum": 100000},
                 "origins": {"type": "array", "maxItems": 32, "items": {"type": "string"}}
                }
              },
             "ShareMinted": {
               "type": "object",
               "required": ["token", "jti", "expires_at", "url"],
               "properties": {
                 "token": {"type": "string"},
                 "jti": {"type": "string"},
                 "expires_at": {"type": "string", "format": "date-time"},
                 "url": {"type": "string"},
                 "embed_url": {"type": "string"}
                }
              },
             "ShareToken": {
               "type": "object",
               "required": ["jti", "element", "purpose", "subjects", "expires_at"],
               "properties": {
                 "jti": {"type": "string"},
                 "element": {"type": "string"},
                 "purpose": {"type": "string"},
                 "subjects": {"type": "array", "items": {"type": "string"}},
                 "origins": {"type": "array", "items": {"type": "string"}},
                 "max_connections": {"type": "integer"},
                 "connections": {"type": "integer"},
                 "created_at": {"type": "string", "format": "date-time"},
                 "expires_at": {"type": "string", "format": "date-time"}
                }
              },
             "ShareList": {
               "type": "object",
               "required": ["tokens"],
               "properties": {"tokens": {"type": "array", "items": {"$ref": "#/components/schemas/ShareToken"}}}
              },
             "WebhookCreate": {
               "type": "object",
               "required": ["url"],
               "properties": {
                 "url": {"type": "string"},
                 "subjects": {"type": "array", "items": {"type": "string"}},
                 "face": {"type": "string"},
                 "description": {"type": "string"}
                }
              },
             "WebhookPatch": {
               "type": "object",
               "properties": {
                 "url": {"type": "string"},
                 "subjects": {"type": "array", "items": {"type": "string"}},
                 "face": {"type": "string"},
                 "description": {"type": "string"},
                 "enabled": {"type": "boolean"}
                }
              },
             "Webhook": {
               "type": "object",
               "required": ["id", "url", "subjects", "face", "enabled"],
               "properties": {
                 "id": {"type": "string"},
                 "secret": {"type": "string", "description": "`whsec_…`, at creation and rotation only."},
                 "url": {"type": "string"},
                 "subjects": {"type": "array", "items": {"type": "string"}},
                 "face": {"type": "string"},
                 "description": {"type": ["string", "null"]},
                 "enabled": {"type": "boolean"},
                 "disabled_reason": {"type": ["string", "null"]},
                 "pending": {"type": "integer"},
                 "failed": {"type": "integer"},
                 "created_at": {"type": "string", "format": "date-time"}
                }
              },
             "WebhookList": {
               "type": "object",
               "required": ["webhooks"],
               "properties": {"webhooks": {"type": "array", "items": {"$ref": "#/components/schemas/Webhook"}}}
              },
             "Delivery": {
               "type": "object",
               "properties": {
                 "event_id": {"type": "string"},
                 "status": {"type": "string", "enum": ["pending", "failed", "succeeded"]},
                 "attempts": {"type": "integer"},
                 "last_status": {"type": ["integer", "null"]},
                 "last_error": {"type": ["string", "null"]},
                 "next_attempt_at": {"type": ["string", "null"], "format": "date-time"}
                }
              },
             "DeliveryList": {
               "type": "object",
               "required": ["deliveries"],
               "properties": {"deliveries": {"type": "array", "items": {"$ref": "#/components/schemas/Delivery"}}}
              },
             "WebhookReplay": {
               "type": "object",
               "properties": {"after_id": {"type": "string"}, "since": {"type": "string", "format": "date-time"}}
              }
            }
          }
        }
        """#
}
