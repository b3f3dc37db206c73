/// One way a set of template inputs breaks the typed contract.
public struct ContractViolation: Error, Sendable, Hashable, CustomStringConvertible {
    /// The input concerned, as a path (`orders[0].id`).
    public var input: String
    /// What is wrong and what was expected.
    public var message: String

    /// Creates a violation.
    public init(input: String, message: String) {
        self.input = input
        self.message = message
    }

    /// `input 'x': message`.
    public var description: String { "input '\(input)': \(message)" }
}

/// Every violation of one render or test case.
public struct ContractError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The violations, in input order.
    public var violations: [ContractViolation]

    /// All violations, one per line.
    public var description: String { violations.map(\.description).joined(separator: "; ") }
}
