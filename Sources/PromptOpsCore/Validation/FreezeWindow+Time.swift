import Foundation

extension Policy.FreezeWindow {
    /// When the window containing `date` ends, or nil when `date` is outside the window.
    /// A window starts on one of `days` at `start` and ends at `end` (the next day when
    /// `end` is not after `start`).
    public func openUntil(_ date: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timezone) ?? TimeZone(identifier: "UTC")!
        let length = end > start ? end.minutes - start.minutes : 1440 - start.minutes + end.minutes
        // The window could have started today or yesterday (when it crosses midnight).
        for dayOffset in [0, -1] {
            guard let day = calendar.date(byAdding: .day, value: dayOffset, to: date) else { continue }
            let startOfDay = calendar.startOfDay(for: day)
            let weekday = calendar.component(.weekday, from: startOfDay)  // 1 = Sunday
            let isoWeekday = weekday == 1 ? 7 : weekday - 1
            guard days.contains(isoWeekday),
                  let opens = calendar.date(byAdding: .minute, value: start.minutes, to: startOfDay) else { continue }
            let closes = opens.addingTimeInterval(TimeInterval(length * 60))
            if date >= opens && date < closes { return closes }
        }
        return nil
    }
}

extension Policy {
    /// The latest end among this policy's freeze windows open at `date`, or nil.
    public func freezeUntil(_ date: Date) -> Date? {
        rules.freezeWindows.compactMap { $0.openUntil(date) }.max()
    }
}
