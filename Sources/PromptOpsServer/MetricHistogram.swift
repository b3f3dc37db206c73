/// A Prometheus histogram's state: counts per upper bound, sum and count of observations.
struct MetricHistogram: Sendable {
    /// Upper bounds, increasing; `+Inf` is implied.
    let bounds: [Double]
    /// Observations per bucket (not cumulative); the last slot is `+Inf`.
    private(set) var counts: [UInt64]
    /// Sum of observed values.
    private(set) var sum: Double = 0
    /// Number of observations.
    private(set) var count: UInt64 = 0

    /// Creates an empty histogram with `bounds`.
    init(bounds: [Double]) {
        self.bounds = bounds
        counts = Array(repeating: 0, count: bounds.count + 1)
    }

    /// Counts `value` into the first bucket whose bound is not below it.
    mutating func observe(_ value: Double) {
        var index = bounds.count
        for (i, bound) in bounds.enumerated() where value <= bound {
            index = i
            break
        }
        counts[index] += 1
        sum += value
        count += 1
    }

    /// Appends the `_bucket` (cumulative), `_sum` and `_count` lines of `name`.
    func write(name: String, into out: inout String) {
        var cumulative: UInt64 = 0
        for (i, bound) in bounds.enumerated() {
            cumulative += counts[i]
            out += "\(name)_bucket{le=\"\(PrometheusText.number(bound))\"} \(cumulative)\n"
        }
        cumulative += counts[bounds.count]
        out += "\(name)_bucket{le=\"+Inf\"} \(cumulative)\n"
        out += "\(name)_sum \(PrometheusText.number(sum))\n"
        out += "\(name)_count \(count)\n"
    }

    /// Render latency: 10µs to 1s, because a render is usually tens of microseconds and a
    /// slow one is worth seeing at the millisecond scale.
    static let renderBounds: [Double] = [
        0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
    ]

    /// Sync pass duration: 10ms (nothing changed) to 2 minutes (a large clone).
    static let syncBounds: [Double] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]
}

/// Formatting rules of the Prometheus text exposition format (version 0.0.4).
enum PrometheusText {
    /// A sample value or bound: integers without a fraction, others in Swift's shortest form
    /// (`1e-05`, `0.25`), both of which Prometheus parses.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return value.description
    }

    /// A label value with `\`, `"` and newlines escaped.
    static func label(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for ch in value.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
