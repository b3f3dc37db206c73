import HTTPTypes
import Foundation

/// A chart of values over time as inline SVG, drawn on the server: complete without script,
/// colours from the page's stylesheet (classes only: no inline style, so the CSP holds and
/// dark mode applies), an accessible name and description, and focusable.
struct SVGChart {
    /// One value at one time; `marked` draws it as a failed or erroneous point.
    struct Point {
        var time: Date
        var value: Double?
        var marked = false
    }

    /// A horizontal reference line (a threshold), with its label.
    struct Line {
        var value: Double
        var label: String
    }

    /// The chart's accessible name (also its visible caption).
    var title: String
    /// What the chart shows, for assistive technology.
    var summary: String
    var points: [Point]
    var lines: [Line] = []
    /// A step chart (the value holds until the next point: a weight), else a line.
    var steps = false
    /// A fixed value range (weight: 0...100); else from the data and the lines.
    var range: ClosedRange<Double>?
    /// Where the step chart's last value ends (now), when later than the last point.
    var until: Date?

    static let width = 640.0, height = 200.0
    static let left = 52.0, right = 628.0, top = 12.0, bottom = 170.0

    /// The `<svg>` element; `id` makes its title's id unique on the page.
    func svg(id: String) -> String {
        let titleID = "chart-\(id)-title", descID = "chart-\(id)-desc"
        var out = "<svg id=\"chart-\(id)\" class=\"chart\" viewBox=\"0 0 \(Int(Self.width)) \(Int(Self.height))\" role=\"img\" tabindex=\"0\" "
        out += "aria-labelledby=\"\(titleID)\" aria-describedby=\"\(descID)\">"
        out += "<title id=\"\(titleID)\">\(HTMLText.escape(title))</title><desc id=\"\(descID)\">\(HTMLText.escape(summary))</desc>"
        out += "<rect class=\"frame\" x=\"\(Self.left)\" y=\"\(Self.top)\" width=\"\(Self.right - Self.left)\" height=\"\(Self.bottom - Self.top)\"/>"
        // Non-finite values cannot be placed: drawn along the bottom like missing ones.
        let points = points.map { p in p.value?.isFinite == false ? Point(time: p.time, value: nil, marked: true) : p }
        let valued = points.filter { $0.value != nil }
        guard let first = points.first, let last = points.last else {
            out += "<text class=\"empty\" x=\"\(Self.width / 2)\" y=\"\(Self.height / 2)\" text-anchor=\"middle\">no data yet</text></svg>"
            return out
        }
        // Value range: the data, the lines, and a margin; one value gets a band around it.
        let values = valued.compactMap(\.value) + lines.map(\.value)
        var low = range?.lowerBound ?? (values.min() ?? 0), high = range?.upperBound ?? (values.max() ?? 1)
        if range == nil {
            if high - low < 1e-9 { low -= max(abs(low) * 0.1, 0.5); high += max(abs(high) * 0.1, 0.5) }
            let pad = (high - low) * 0.08
            low -= pad; high += pad
        }
        let start = first.time, end = max(until ?? last.time, last.time)
        let span = max(end.timeIntervalSince(start), 1e-3)
        func x(_ t: Date) -> Double { Self.left + (Self.right - Self.left) * t.timeIntervalSince(start) / span }
        func y(_ v: Double) -> Double { Self.bottom - (Self.bottom - Self.top) * (v - low) / (high - low) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        // Axes: the value range and the time span.
        out += "<text class=\"axis\" x=\"\(f(Self.left - 6))\" y=\"\(f(Self.top + 4))\" text-anchor=\"end\">\(HTMLText.escape(HTMLText.number(high)))</text>"
        out += "<text class=\"axis\" x=\"\(f(Self.left - 6))\" y=\"\(f(Self.bottom))\" text-anchor=\"end\">\(HTMLText.escape(HTMLText.number(low)))</text>"
        out += "<text class=\"axis\" x=\"\(f(Self.left))\" y=\"\(f(Self.bottom + 18))\">\(HTMLText.escape(HTMLText.time(start)))</text>"
        out += "<text class=\"axis\" x=\"\(f(Self.right))\" y=\"\(f(Self.bottom + 18))\" text-anchor=\"end\">\(HTMLText.escape(HTMLText.time(end)))</text>"
        for line in lines where line.value >= low && line.value <= high {
            out += "<line class=\"threshold\" x1=\"\(f(Self.left))\" x2=\"\(f(Self.right))\" y1=\"\(f(y(line.value)))\" y2=\"\(f(y(line.value)))\"/>"
            out += "<text class=\"threshold-label\" x=\"\(f(Self.right - 4))\" y=\"\(f(y(line.value) - 4))\" text-anchor=\"end\">\(HTMLText.escape(line.label))</text>"
        }
        // The series: a polyline through the values (held flat between points for steps).
        var path: [String] = []
        var previous: Double?
        for p in valued {
            let v = p.value!
            if steps, let previous { path.append("\(f(x(p.time))),\(f(y(previous)))") }
            path.append("\(f(x(p.time))),\(f(y(v)))")
            previous = v
        }
        if steps, let previous, let until, until > last.time { path.append("\(f(x(until))),\(f(y(previous)))") }
        if path.count > 1 { out += "<polyline class=\"series\" points=\"\(path.joined(separator: " "))\"/>" }
        // Points: each measurement (at most 400 drawn; the line carries the rest).
        let stride = max(1, valued.count / 400)
        for (i, p) in valued.enumerated() where i % stride == 0 || p.marked || i == valued.count - 1 {
            out += "<circle class=\"\(p.marked ? "point bad" : "point")\" cx=\"\(f(x(p.time)))\" cy=\"\(f(y(p.value!)))\" r=\"3\"/>"
        }
        // Errors (no value) along the bottom.
        for p in points where p.value == nil {
            out += "<circle class=\"point bad\" cx=\"\(f(x(p.time)))\" cy=\"\(f(Self.bottom))\" r=\"3\"/>"
        }
        out += "</svg>"
        return out
    }
}
