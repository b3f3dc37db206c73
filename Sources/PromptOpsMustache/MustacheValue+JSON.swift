import Foundation

extension MustacheValue {
    /// Converts the output of `JSONSerialization` (or any tree of `NSNull`, `NSNumber`,
    /// `Bool`, integers, `Double`, `String`, arrays and string-keyed dictionaries) into a
    /// value. Unknown leaves become ``null``. Meant for tests and tooling, not the hot path.
    public init(json: Any) {
        switch json {
        case is NSNull:
            self = .null
        case let number as NSNumber where !(json is String):
            self = MustacheValue(number: number)
        case let text as String:
            self = .string(text)
        case let items as [Any]:
            self = .array(items.map(MustacheValue.init(json:)))
        case let members as [String: Any]:
            self = .object(members.mapValues(MustacheValue.init(json:)))
        case let value as MustacheValue:
            self = value
        default:
            self = .null
        }
    }

    /// Classifies a Foundation number as bool, integer or double by its storage type.
    private init(number: NSNumber) {
        let type = String(cString: number.objCType)
        switch type {
        case "c", "B":
            self = .bool(number.boolValue)
        case "f", "d":
            self = .double(number.doubleValue)
        default:
            self = .int(number.intValue)
        }
    }
}
