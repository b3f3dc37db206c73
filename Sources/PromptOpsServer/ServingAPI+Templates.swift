import Hummingbird
import PromptOpsCore
import PromptOpsStore

extension ServingAPI {
    /// `GET /api/v1/namespaces/{ns}/templates?limit=&cursor=`: `[{name, version, hash, path}]`,
    /// by name, one page (see ``Page``).
    func templates(_ request: Request, _ context: Context) async throws -> Response {
        let (shown, namespace) = context.namespace
        let page = try Page(request)
        let (list, next) = page.cut(try store.templates(namespace: namespace, after: page.after, limit: page.limit + 1), name: \.name)
        if list.isEmpty { try requireNamespace(namespace, shown: shown) }
        var json = JSONWriter(capacity: 128 * (list.count + 1))
        json.arrayStart()
        for t in list {
            json.objectStart()
            json.member("name", t.name)
            json.member("version", t.version)
            json.member("hash", t.hash)
            json.member("path", t.path)
            json.objectEnd()
        }
        json.arrayEnd()
        return Response.json(json).linking(next: next, from: request)
    }

    /// `GET /api/v1/namespaces/{ns}/templates/{name}`: the served version with its spec (as
    /// JSON) and `versions: [{version, hash, revision, author, createdAt}]`, oldest first.
    func template(_ request: Request, _ context: Context) async throws -> Response {
        let (shown, namespace) = context.namespace, name = context.pathParameter("name")
        guard let t = try store.template(namespace: namespace, name: name) else {
            throw APIError.notFound("template_not_found", "no PromptTemplate '\(name)' served in namespace '\(shown)'")
        }
        var json = JSONWriter(capacity: 512 + t.spec.text.utf8.count + 256 * t.versions.count)
        json.objectStart()
        json.member("namespace", t.namespace)
        json.member("name", t.name)
        json.member("version", t.version)
        json.member("hash", t.hash)
        json.member("revision", t.revision)
        json.member("path", t.path)
        json.key("labels")
        json.objectStart()
        for key in t.labels.keys.sorted() { json.member(key, t.labels[key]) }
        json.objectEnd()
        json.key("spec"); json.embedded(t.spec)
        json.key("versions")
        json.arrayStart()
        for v in t.versions { json.versionSummary(v) }
        json.arrayEnd()
        json.objectEnd()
        return .json(json)
    }

    /// `GET /api/v1/namespaces/{ns}/templates/{name}/versions/{n}`: one stored version (served
    /// or not) with its spec and its self-contained effective content.
    func templateVersion(_ request: Request, _ context: Context) async throws -> Response {
        let (shown, namespace) = context.namespace, name = context.pathParameter("name")
        let text = context.pathParameter("version")
        guard let version = Int(text), version >= 1 else {
            throw APIError.badRequest("invalid_parameter", "version must be a positive integer, got '\(text)'")
        }
        guard let v = try store.templateVersion(namespace: namespace, name: name, version: version) else {
            throw APIError.notFound("version_not_found", "PromptTemplate '\(name)' in namespace '\(shown)' has no version \(version)")
        }
        var json = JSONWriter(capacity: 512 + v.spec.text.utf8.count + v.effective.text.utf8.count)
        json.objectStart()
        json.member("namespace", v.namespace)
        json.member("name", v.name)
        json.member("version", v.summary.version)
        json.member("hash", v.summary.hash)
        json.member("revision", v.summary.revision)
        json.member("author", v.summary.author)
        json.member("authorEmail", v.summary.authorEmail)
        json.key("committedAt"); json.date(v.summary.committedAt)
        json.key("createdAt"); json.date(v.summary.createdAt)
        json.key("signer"); json.signer(v.summary.signer)
        json.key("spec"); json.embedded(v.spec)
        json.key("effective"); json.embedded(v.effective)
        json.objectEnd()
        return .json(json)
    }
}
