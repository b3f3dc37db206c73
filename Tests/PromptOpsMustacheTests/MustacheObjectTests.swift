import Testing
@testable import PromptOpsMustache

@Suite("MustacheObject")
struct MustacheObjectTests {
    @Test("random sets and removals behave as a dictionary, across the size where the hash index starts")
    func againstDictionary() {
        let seed = UInt64.random(in: 0...UInt64.max)
        var rng = SplitMix64(seed: seed)  // seeded (MustacheRobustnessTests), so a failure names a seed that reproduces it
        for _ in 0..<300 {
            var object = MustacheObject()
            var model: [String: MustacheValue] = [:]
            var order: [String] = []
            for _ in 0..<Int.random(in: 0...80, using: &rng) {
                let key = "key\(Int.random(in: 0..<40, using: &rng))"
                if Int.random(in: 0..<4, using: &rng) == 0 {
                    object[key] = nil
                    model[key] = nil
                    order.removeAll { $0 == key }
                } else {
                    let value = MustacheValue.int(Int.random(in: 0..<1_000, using: &rng))
                    object[key] = value
                    if model.updateValue(value, forKey: key) == nil { order.append(key) }
                }
                #expect(object.count == model.count, "seed \(seed)")
                #expect(object[key] == model[key], "seed \(seed)")
                let other = "key\(Int.random(in: 0..<40, using: &rng))"
                #expect(object[other] == model[other], "seed \(seed)")
            }
            #expect(object.dictionary == model)
            #expect(Array(object.keys) == order, "members keep the order they were first added in")
            for i in 0..<40 { #expect(object["key\(i)"] == model["key\(i)"]) }
            #expect(object == MustacheObject(model), "equal to the same members in another order")
        }
    }

    @Test("equality ignores order but not values, names or counts")
    func equality() {
        let a = MustacheObject([("x", 1), ("y", "two")])
        #expect(a == MustacheObject([("y", "two"), ("x", 1)]))
        #expect(a != MustacheObject([("x", 1), ("y", "three")]))
        #expect(a != MustacheObject([("x", 1), ("z", "two")]))
        #expect(a != MustacheObject([("x", 1)]))
        let large = MustacheObject((0..<30).map { ("k\($0)", MustacheValue.int($0)) })
        #expect(large == MustacheObject((0..<30).reversed().map { ("k\($0)", MustacheValue.int($0)) }))
        #expect(large != MustacheObject((0..<30).map { ("k\($0)", MustacheValue.int($0 == 29 ? 0 : $0)) }))
    }

    @Test("names are found as Swift compares strings: composed and decomposed accents are one name, small or large")
    func canonicalEquivalence() {
        for extra in [0, 20] {
            var object = MustacheObject((0..<extra).map { ("k\($0)", MustacheValue.int($0)) })
            object["caf\u{E9}"] = "composed"
            #expect(object["cafe\u{301}"] == .string("composed"), "\(extra) other members")
            object["cafe\u{301}"] = "decomposed"
            #expect(object.count == extra + 1 && object["caf\u{E9}"] == .string("decomposed"))
        }
    }

    @Test("a repeated name in a literal keeps its first place and its last value")
    func repeatedName() {
        let object = MustacheObject([("a", 1), ("b", 2), ("a", 3)])
        #expect(Array(object.keys) == ["a", "b"] && object["a"] == .int(3))
        let value: MustacheValue = ["a": 1, "b": 2]
        #expect(value["b"] == .int(2) && value["c"] == nil)
    }

    @Test("a template reads names from objects small and large, and from outer frames")
    func rendering() {
        let library = MustacheLibrary(escaping: .none)
        let many = MustacheObject((0..<20).map { ("v\($0)", MustacheValue.int($0)) })
        var context = many
        context["items"] = .array([.object(MustacheObject([("name", "a")])), .object(MustacheObject([("name", "b"), ("v3", "inner")]))])
        let template = try! MustacheTemplate("{{v19}}:{{#items}}{{name}}={{v3}};{{/items}}")
        #expect(library.render(template, .object(context)) == "19:a=3;b=inner;")
    }
}
