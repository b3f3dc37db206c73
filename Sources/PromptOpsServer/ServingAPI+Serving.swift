import Hummingbird
import NIOCore
import PromptOpsCore

extension ServingAPI {
    /// `GET .../deployments/{name}/resolve?key=K`: `{template, version, hash, variant}`, from
    /// the in-memory snapshot (no database read) with the answer encoded once per load; the
    /// key picks stable or canary through `TrafficSplit`, sticky per key.
    func resolve(_ request: Request, _ context: Context) async throws -> Response {
        let entry = try servedEntry(context)
        // Without a canary every key gets stable: the query is not even parsed.
        guard entry.canary != nil else { return .json(buffer: entry.stableResolveBody) }
        let key = request.uri.queryParameters["key"].map(String.init)
        return .json(buffer: entry.serving(key: key).resolveBody)
    }

    /// `POST .../deployments/{name}/render` with `{key?, variables}`: the served version
    /// rendered under the strict input contract. Changes no state.
    func render(_ request: Request, _ context: Context) async throws -> Response {
        let limit = configuration.maxBodyBytes
        if let type = request.headers[.contentType], !Self.isJSON(type) {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type", "the body must be application/json, not \(type.prefix(100))")
        }
        let buffer = try await RequestBody.collect(request, limit: limit)
        let entry = try servedEntry(context)
        let input = try RenderRequest(body: buffer)
        let (version, variant, _) = entry.serving(key: input.key)
        let compiled: CompiledNamespace
        switch snapshot.compiled.compiled(namespace: entry.namespace, template: entry.template, version: version.version, hash: version.hash) {
        case .success(let c): compiled = c
        case .failure(.store(let error)): throw APIError.store(error)
        case .failure(.missing):
            throw APIError(.internalServerError, code: "version_missing",
                           "version \(version.version) of \(entry.template) is served but not stored; the store is inconsistent")
        case .failure(.unreadable):
            throw APIError(.internalServerError, code: "version_unreadable",
                           "version \(version.version) of \(entry.template) is stored but does not compile")
        }
        let started = ContinuousClock.now
        let result = RenderAnswer.render(compiled, template: entry.template, values: input.variables, limits: configuration.renderLimits,
                                         version: version, variant: variant)
        let elapsed = ContinuousClock.now - started
        metrics.observeRender(seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        switch result {
        case .success(let answer):
            return .json(answer)
        case .failure(.contract(let error)):
            throw APIError(.badRequest, code: "invalid_variables", error.description, violations: error.violations)
        case .failure(.limit(let what)):
            throw APIError(.unprocessableContent, code: "render_limit_exceeded", what)
        case .failure(let error):
            throw APIError(.internalServerError, code: "render_failed", error.description)
        }
    }

    /// The snapshot entry of the Deployment in the path, or 404.
    private func servedEntry(_ context: Context) throws -> ServingSnapshot.Entry {
        let (shown, namespace) = context.namespace, name = context.pathParameter("name")
        guard let entry = try snapshot.entry(namespace: namespace, name: name) else {
            throw APIError.notFound("deployment_not_found", "no Deployment '\(name)' served in namespace '\(shown)'")
        }
        return entry
    }

    /// `application/json` or a `+json` type, parameters (charset) allowed.
    static func isJSON(_ contentType: String) -> Bool {
        // Byte-wise, ASCII case folded, without allocating: the Foundation version (split,
        // trim, lowercase) was 4 % of a render in a profile, one building arrays 1 %.
        var contentType = contentType
        return contentType.withUTF8 { bytes in
            var end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex
            while end > 0, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
            var start = 0
            while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
            func folded(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
            func matches(_ word: StaticString, at offset: Int) -> Bool {
                let count = word.utf8CodeUnitCount
                guard offset >= start, offset + count <= end else { return false }
                for i in 0..<count where folded(bytes[offset + i]) != word.utf8Start[i] { return false }
                return true
            }
            guard matches("application/", at: start) else { return false }
            let subtype = start + 12
            return (end - subtype == 4 && matches("json", at: subtype)) || (end - subtype > 5 && matches("+json", at: end - 5))
        }
    }
}
