import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix
import PromptOpsStore
import ServiceLifecycle
import Synchronization

/// Streams open in this process: each polls the store, so a client cannot open them without
/// bound.
let openEventStreams = Atomic<Int>(0)

extension ServingAPI {
    /// How often an open stream looks for new events (the store is the only source: events
    /// written by any process — the controller, a CLI override — reach every stream).
    static let eventStreamPoll = Duration.milliseconds(250)
    /// A comment line keeps proxies from closing a quiet stream.
    static let eventStreamKeepAlive = Duration.seconds(15)
    /// A stream ends after this long; `EventSource` reconnects with `Last-Event-ID` and loses
    /// nothing. (It also ends when the server shuts down gracefully or the client goes.)
    static let eventStreamLifetime = Duration.seconds(600)
    /// Streams open at once (per process); more end at once with a `retry:` of 30 s.
    static let maxEventStreams = 64

    /// `GET /api/v1/events/stream`: Server-Sent Events, one per new event as it is recorded
    /// (`id:` = the event id, `data:` = the event as `GET /api/v1/events` shows it). Resumable:
    /// `Last-Event-ID` (or `?since=`) sends what came after that id first; without either the
    /// stream starts with the next event. A token sees its namespaces' events only.
    func eventStream(_ request: Request, _ context: Context) async throws -> Response {
        let resume: Substring? = request.headers[Self.lastEventID].map { Substring($0) } ?? request.uri.queryParameters["since"]
        let start: Int64
        if let resumed = try Self.integer(resume, name: "Last-Event-ID", minimum: 0) {
            start = resumed
        } else {
            start = try store.events(limit: 1).last?.id ?? 0
        }
        let visible = try visibleNamespaces(context)
        let events = self.store
        // Measurements go out as `event: measurement` frames with no `id:` (resuming counts
        // events only): from the next one on; a page that (re)connects reads what it missed.
        let measuredStart = try store.lastMeasurementID()
        let body = ResponseBody { writer in
            // Counted while the body runs (so nothing can leak a count): over the limit, the
            // stream ends at once and asks the client to come back later.
            guard openEventStreams.add(1, ordering: .relaxed).newValue <= Self.maxEventStreams else {
                openEventStreams.subtract(1, ordering: .relaxed)
                try await writer.write(ByteBuffer(string: ": \(Self.maxEventStreams) event streams are open; try again later\nretry: 30000\n\n"))
                try await writer.finish(nil)
                return
            }
            defer { openEventStreams.subtract(1, ordering: .relaxed) }
            var last = start, lastMeasured = measuredStart
            let clock = ContinuousClock()
            let end = clock.now + Self.eventStreamLifetime
            var written = clock.now
            // The retry hint, and a first byte so the client knows it is connected.
            try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
            // Ends cleanly when the server shuts down (the client reconnects), at its lifetime,
            // or when a write fails because the client went away.
            while clock.now < end, !Task.isShuttingDownGracefully, !Task.isCancelled {
                // The read blocks (SQLite): on NIO's blocking pool, not Swift's cooperative one.
                let (eventCursor, measurementCursor) = (last, lastMeasured)
                let (new, measured) = try await NIOThreadPool.singleton.runIfActive {
                    try events.streamBatch(afterEvent: eventCursor, afterMeasurement: measurementCursor, visible: visible)
                }
                if !new.isEmpty || !measured.isEmpty {
                    var frame: [UInt8] = []
                    for e in new {
                        var json = JSONWriter(capacity: 256)
                        json.event(e)
                        frame += Array("id: \(e.id)\ndata: ".utf8) + json.bytes + Array("\n\n".utf8)
                        last = e.id
                    }
                    for m in measured {
                        var json = JSONWriter(capacity: 256)
                        json.streamedMeasurement(m)
                        frame += Array("event: measurement\ndata: ".utf8) + json.bytes + Array("\n\n".utf8)
                        lastMeasured = m.stored.id
                    }
                    try await writer.write(ByteBuffer(bytes: frame))
                    written = clock.now
                } else if clock.now - written >= Self.eventStreamKeepAlive {
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    written = clock.now
                }
                try? await Task.sleep(for: Self.eventStreamPoll)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"], body: body)
    }

    static let lastEventID = HTTPField.Name("Last-Event-ID")!
}

extension JSONWriter {
    /// A measurement in the event stream: `{namespace, deployment, rollout, id, round, metric,
    /// value, verdict, time}` (the judge's standing stays in the measurements endpoint).
    mutating func streamedMeasurement(_ m: DeploymentMeasurement) {
        objectStart()
        member("namespace", m.namespace)
        member("deployment", m.deployment)
        member("rollout", m.stored.canaryVersion)
        member("id", m.stored.id)
        member("round", m.stored.round)
        member("metric", m.stored.measurement.metric)
        key("value"); if let v = m.stored.measurement.value { double(v) } else { null() }
        member("verdict", m.stored.measurement.verdict.rawValue)
        key("time"); date(m.stored.measurement.at)
        objectEnd()
    }
}
