/// Decides statically whether a name a template reads resolves, following Mustache's
/// context stack: inside `{{#orders}}` an item's declared property shadows a top-level input.
struct NameResolution {
    let contract: InputContract

    /// What a section pushes on the context stack, as far as the contract tells.
    enum Frame {
        /// Nothing is known (an array without `items`, an object without `properties`): any name may resolve.
        case unknown
        /// An object with declared properties.
        case object([String: InputSpec])
        /// A scalar: names fall through to outer frames.
        case scalar
    }

    /// A sentence when `ref` cannot resolve, or nil.
    func problem(for ref: MustacheNameReference) -> String? {
        var frames: [Frame] = []
        for scope in ref.sectionScopes {
            frames.append(frame(pushedBy: scope, frames: frames))
        }
        let name = ref.path.joined(separator: ".")
        switch lookup(ref.path, frames: frames) {
        case .found, .unknown:
            return nil
        case .undeclared:
            return "reads '\(name)', but '\(ref.path[0])' is not a declared input; declare it under spec.inputs"
        case .missingProperty(let owner, let property):
            return "reads '\(name)', but '\(owner)' declares no property '\(property)'"
        }
    }

    enum Lookup {
        case found(InputSpec)
        case unknown
        case undeclared
        case missingProperty(owner: String, property: String)
    }

    func lookup(_ path: [String], frames: [Frame]) -> Lookup {
        guard let head = path.first else { return .unknown }
        if head == "." { return .unknown }
        var start: InputSpec?
        search: for frame in frames.reversed() {
            switch frame {
            case .unknown: return .unknown
            case .scalar: continue
            case .object(let properties):
                if let spec = properties[head] { start = spec; break search }
            }
        }
        if start == nil { start = contract.inputs[head] }
        guard var current = start else { return .undeclared }
        var owner = head
        for part in path.dropFirst() {
            guard current.type == .object, !current.properties.isEmpty else { return .unknown }
            guard let next = current.properties[part] else { return .missingProperty(owner: owner, property: part) }
            current = next
            owner += ".\(part)"
        }
        return .found(current)
    }

    func frame(pushedBy scope: [String], frames: [Frame]) -> Frame {
        guard case .found(let spec) = lookup(scope, frames: frames) else { return .unknown }
        switch spec.type {
        case .array:
            guard let items = spec.items else { return .unknown }
            if items.type == .object { return items.properties.isEmpty ? .unknown : .object(items.properties) }
            return .scalar
        case .object:
            return spec.properties.isEmpty ? .unknown : .object(spec.properties)
        default:
            return .scalar
        }
    }
}
