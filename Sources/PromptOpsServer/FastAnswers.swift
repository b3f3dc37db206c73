import HTTPTypes
import NIOCore
import PromptOpsCore

/// What ``ServingFastPath`` answers, decided from the request alone: the serving snapshot,
/// the access rules and the limits. Never reads the store; shared by every connection.
struct FastAnswers: Sendable {
    let snapshot: ServingSnapshot
    let access: AccessControl
    let metrics: ServerMetrics
    let maxBodyBytes: Int
    let renderLimits: RenderLimits
    /// Called for each request answered here (tests).
    var answered: (@Sendable () -> Void)?
    /// Called for each of those answered from the connection's bytes (tests).
    var answeredOnWire: (@Sendable () -> Void)?
    /// Called for each render answered from its body's tape, without a value tree (tests).
    var renderedFromTape: (@Sendable () -> Void)?

    /// A render whose head is plain; its body decides.
    struct RenderCall {
        /// The served Deployment's entry when the head was routed.
        var entry: ServingSnapshot.Entry
    }

    /// The limits of a render on the event loop: at most the configured ones, and a budget of
    /// steps and bytes small enough that one render holds the loop well under a millisecond
    /// (a ~2 KB chat prompt with a partial and a section takes a few hundred steps). A render
    /// over them is replayed to the router, which renders it with the configured limits off
    /// the loop (and answers 422 past those).
    var loopRenderLimits: RenderLimits {
        RenderLimits(maximumBytes: min(renderLimits.maximumBytes, 256 << 10), maximumSteps: min(renderLimits.maximumSteps, 50_000))
    }

    enum Route {
        /// A resolve and its answer.
        case resolve(ByteBuffer)
        /// A render to answer when its body is read.
        case render(RenderCall)
    }

    /// What to do with a request, from its head; nil: the router answers it.
    func route(_ head: HTTPRequest) -> Route? {
        guard let path = head.path else { return nil }
        if let connection = head.headerFields[.connection], connection.lowercased().contains("close") { return nil }
        let method: WireRequestHead.Method
        switch head.method {
        case .get: method = .get
        case .post: method = .post
        default: return nil
        }
        return route(method: method, target: Array(path.utf8), authorization: head.headerFields[.authorization],
                     contentType: head.headerFields[.contentType], contentLength: head.headerFields[.contentLength].flatMap(Int.init))
    }

    /// What to do with a request of `method` for `target` with these fields; nil: the router
    /// answers it.
    func route(method: WireRequestHead.Method, target bytes: [UInt8], authorization: String?, contentType: String?,
               contentLength: Int?) -> Route? {
        guard let target = ServedTarget(target: bytes) else { return nil }
        switch (target.action, method) {
        case (.resolve, .get), (.render, .post): break
        default: return nil
        }
        switch access.authenticate(authorization) {
        case .open:
            break
        case .granted(let grant):
            guard grant.sees(target.namespace), grant.scopes.contains(.render) else { return nil }
        case .missing, .unknown:
            return nil
        }
        guard let entry = snapshot.currentEntry(namespace: target.namespace, name: target.name) else { return nil }
        switch target.action {
        case .resolve:
            let body: ByteBuffer
            if entry.canary == nil {
                body = entry.stableResolveBody
            } else {
                guard case .plain(let key) = target.key else { return nil }
                body = entry.serving(key: key).resolveBody
            }
            return .resolve(body)
        case .render:
            // A JSON body of a declared length within the limit (chunked bodies, other media
            // types and the 413 are the router's).
            guard let contentType, ServingAPI.isJSON(contentType), let contentLength, contentLength <= maxBodyBytes
            else { return nil }
            return .render(RenderCall(entry: entry))
        }
    }

    /// Counts a resolve answered here (when its answer is written).
    func recordResolve() {
        record(route: ServingAPI.Path.resolve, method: "GET")
    }

    /// The call with its Deployment's entry looked up again (nil: no longer served): for a
    /// body read after its head was routed, as the snapshot may have moved meanwhile (the
    /// router looks up after reading the body too).
    func current(_ call: RenderCall) -> RenderCall? {
        snapshot.currentEntry(namespace: call.entry.namespace, name: call.entry.name).map(RenderCall.init(entry:))
    }

    /// The answer of a render when it is the plain success: the body parses, the served
    /// version is compiled already, and the render succeeds within its limits. Renders the
    /// entry the call holds (see ``current(_:)``).
    func render(_ call: RenderCall, body: ByteBuffer) -> [UInt8]? {
        let entry = call.entry
        // The body read into a tape and rendered from there (no value tree: a third of a
        // render's CPU); a body outside the tape's subset or the plain shape is read into the
        // tree below.
        let read = body.withUnsafeReadableBytes { raw in
            raw.withMemoryRebound(to: UInt8.self) { bytes in JSONTape.read(bytes) }
        }
        if var tape = read, let parts = RenderRequest.parts(of: tape) {
            let (version, variant, _) = entry.serving(key: parts.key)
            guard let compiled = snapshot.compiled.cached(namespace: entry.namespace, template: entry.template, hash: version.hash) else {
                return nil
            }
            let started = ContinuousClock.now
            // nil: the contract refuses the values; the router answers with its reasons.
            let result = RenderAnswer.render(compiled, template: entry.template, tape: &tape, variables: parts.variables,
                                             limits: loopRenderLimits, version: version, variant: variant)
            let elapsed = ContinuousClock.now - started
            guard case .success(let answer)? = result else { return nil }
            renderedFromTape?()
            return answered(answer, elapsed: elapsed)
        }
        guard let input = try? RenderRequest(body: body) else { return nil }
        let (version, variant, _) = entry.serving(key: input.key)
        guard let compiled = snapshot.compiled.cached(namespace: entry.namespace, template: entry.template, hash: version.hash) else {
            return nil
        }
        let started = ContinuousClock.now
        let result = RenderAnswer.render(compiled, template: entry.template, values: input.variables, limits: loopRenderLimits,
                                         version: version, variant: variant)
        let elapsed = ContinuousClock.now - started
        guard case .success(let answer) = result else { return nil }
        return answered(answer, elapsed: elapsed)
    }

    /// Records a render answered here; its bytes.
    private func answered(_ answer: JSONWriter, elapsed: Duration) -> [UInt8] {
        metrics.observeRender(seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        record(route: ServingAPI.Path.render, method: "POST")
        return answer.bytes
    }

    private func record(route: String, method: String) {
        metrics.recordRequest(route: route, method: method, status: 200)
        answered?()
    }
}

/// The namespace, name, action and key of
/// `/api/v1/namespaces/{ns}/deployments/{name}/{resolve|render}?key=K`, read byte by byte;
/// nil for any other path, and for one with percent-escapes (the router decodes those).
struct ServedTarget: Equatable {
    enum Action: Equatable { case resolve, render }

    /// The key in the query.
    enum Key: Equatable {
        /// A key with nothing to decode, or none (nil).
        case plain(String?)
        /// A key the router must decode (`%`, `+`), given twice, or without `=`.
        case needsRouter
    }

    var namespace: String
    var name: String
    var action: Action
    var key: Key

    init(namespace: String, name: String, action: Action = .resolve, key: Key) {
        self.namespace = namespace
        self.name = name
        self.action = action
        self.key = key
    }

    private static let prefix = Array("/api/v1/namespaces/".utf8)
    private static let middle = Array("/deployments/".utf8)
    private static let resolve = Array("/resolve".utf8)
    private static let render = Array("/render".utf8)

    init?(path: String) {
        self.init(target: Array(path.utf8))
    }

    /// The same, from the request target's bytes.
    init?(target bytes: [UInt8]) {
        // A fragment (clients do not send one) ends the query for the router: it decides.
        if bytes.contains(UInt8(ascii: "#")) { return nil }
        let end = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex
        guard bytes[..<end].starts(with: Self.prefix) else { return nil }
        var index = Self.prefix.count
        guard let namespace = Self.segment(bytes, &index, end: end), bytes[index..<end].starts(with: Self.middle) else { return nil }
        index += Self.middle.count
        guard let name = Self.segment(bytes, &index, end: end) else { return nil }
        if bytes[index..<end].elementsEqual(Self.resolve) {
            action = .resolve
        } else if bytes[index..<end].elementsEqual(Self.render) {
            action = .render
        } else {
            return nil
        }
        self.namespace = namespace
        self.name = name
        self.key = end < bytes.endIndex ? Self.key(in: bytes[(end + 1)...]) : .plain(nil)
    }

    /// The segment starting at `index` (non-empty, no `%`), moving `index` to the `/` after it.
    private static func segment(_ bytes: [UInt8], _ index: inout Int, end: Int) -> String? {
        let start = index
        while index < end, bytes[index] != UInt8(ascii: "/") {
            if bytes[index] == UInt8(ascii: "%") { return nil }
            index += 1
        }
        guard index > start, index < end else { return nil }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// The `key` parameter of a query (`a=1&key=K&b=2`).
    private static func key(in query: ArraySlice<UInt8>) -> Key {
        var found: String?
        for pair in query.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard parts[0].elementsEqual("key".utf8) else {
                // Another parameter whose name needs decoding might be `key`: the router decides.
                if parts[0].contains(UInt8(ascii: "%")) || parts[0].contains(UInt8(ascii: "+")) { return .needsRouter }
                continue
            }
            guard parts.count == 2 else { return .needsRouter }
            let value = parts[1]
            if found != nil || value.contains(UInt8(ascii: "%")) || value.contains(UInt8(ascii: "+")) { return .needsRouter }
            found = String(decoding: value, as: UTF8.self)
        }
        return .plain(found)
    }
}
