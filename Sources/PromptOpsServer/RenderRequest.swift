import NIOCore
import PromptOpsCore

/// The body of `POST .../render`: `{key?, variables: {...}}`. Strict like manifests: an
/// unknown member or a wrong type is refused with a message naming it.
struct RenderRequest {
    /// The request key the traffic split routes on (optional).
    var key: String?
    /// The template inputs, integers kept as integers.
    var variables: MustacheObject

    /// The members a body may have.
    static let members = ["key", "variables"]

    /// Parses a body; an empty body means no key and no variables.
    init(body: [UInt8]) throws(APIError) {
        self = try body.withUnsafeBufferPointer { bytes throws(APIError) in try RenderRequest(body: bytes) }
    }

    /// Parses the readable bytes of `body` where they lie (no copy into an array first).
    init(body: ByteBuffer) throws(APIError) {
        let parsed = body.withUnsafeReadableBytes { raw in
            raw.withMemoryRebound(to: UInt8.self) { bytes in Result { () throws(APIError) in try RenderRequest(body: bytes) } }
        }
        self = try parsed.get()
    }

    /// Parses a body; an empty body means no key and no variables.
    init(body: UnsafeBufferPointer<UInt8>) throws(APIError) {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            key = nil
            variables = MustacheObject()
            return
        }
        let value: TemplateValue
        do {
            value = try JSONInput.parse(body)
        } catch {
            throw APIError.badRequest("invalid_json", "the request body is not JSON: \(error)")
        }
        guard case .object(let members) = value else {
            throw APIError.badRequest("invalid_body", "the request body must be a JSON object {\"key\"?: string, \"variables\": {...}}")
        }
        // Sorted only when there is something to report (the first unknown name, in order).
        if members.keys.contains(where: { !Self.members.contains($0) }),
           let name = members.keys.sorted().first(where: { !Self.members.contains($0) }) {
            throw APIError.badRequest("invalid_body", "unknown member '\(name)' in the request body (expected: key, variables)")
        }
        switch members["key"] {
        case nil, .null?: key = nil
        case .string(let k)?: key = k
        case .int(let i)?: key = String(i)
        default: throw APIError.badRequest("invalid_body", "'key' must be a string")
        }
        switch members["variables"] {
        case nil, .null?: variables = MustacheObject()
        case .object(let v)?: variables = v
        default: throw APIError.badRequest("invalid_body", "'variables' must be a JSON object of input names to values")
        }
    }
}

extension RenderRequest {
    /// The key and the `variables` object of a body read into a tape (``JSONTape``), when it
    /// has the plain shape: only `key` (a string, an integer or null) and `variables` (an
    /// object). Nil for anything else, which ``init(body:)-(UnsafeBufferPointer<UInt8>)``
    /// then reads and, if it is wrong, refuses with the reason.
    static func parts(of tape: JSONTape) -> (key: String?, variables: Int)? {
        tape.withView { view in
            let root = tape.root
            guard view.kind(root) == .object else { return nil }
            var key: String?
            var variables: Int?
            for position in 0..<view.count(root) {
                let value = view.memberValue(root, at: position)
                if view.memberName(root, at: position, is: "variables") {
                    guard view.kind(value) == .object else { return nil }
                    variables = value
                } else if view.memberName(root, at: position, is: "key") {
                    switch view.kind(value) {
                    case .null: key = nil
                    case .string: key = view.string(value)
                    case .int: key = String(view.int(value)!)
                    default: return nil
                    }
                } else {
                    return nil
                }
            }
            guard let variables else { return nil }
            return (key, variables)
        }
    }
}
