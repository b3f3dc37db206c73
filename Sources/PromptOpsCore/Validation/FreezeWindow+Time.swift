import Foundation

extension Policy.FreezeWindow {
    /// When the window containing `date` ends, or nil when `date` is outside the window.
    /// A window starts on one of `days` at `start` and ends at `end` (the next day when
    /// `end` is not after `start`), both wall-clock times in the window's zone: across a
    /// daylight-saving change a window of 01:00–04:00 still ends at 04:00 on the clock, so it
    /// lasts two or four real hours that night.
    public func openUntil(_ date: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timezone) ?? TimeZone(identifier: "UTC")!
        // The window could have started today or yesterday (when it crosses midnight).
        for dayOffset in [0, -1] {
            guard let day = calendar.date(byAdding: .day, value: dayOffset, to: date) else { continue }
            let startOfDay = calendar.startOfDay(for: day)
            let weekday = calendar.component(.weekday, from: startOfDay)  // 1 = Sunday
            let isoWeekday = weekday == 1 ? 7 : weekday - 1
            guard days.contains(isoWeekday),
                  let opens = Self.wallClock(start, on: startOfDay, in: calendar),
                  let endDay = end > start ? startOfDay : calendar.date(byAdding: .day, value: 1, to: startOfDay),
                  let closes = Self.wallClock(end, on: calendar.startOfDay(for: endDay), in: calendar)
            else { continue }
            if date >= opens && date < closes { return closes }
        }
        return nil
    }

    /// The instant `time` reads on the clock on `day`. A time the clock skips (02:30 when it
    /// jumps from 02:00 to 03:00) is the first instant after the gap; a time it shows twice is
    /// the first showing.
    static func wallClock(_ time: TimeOfDay, on day: Date, in calendar: Calendar) -> Date? {
        calendar.date(bySettingHour: time.minutes / 60, minute: time.minutes % 60, second: 0, of: day,
                      matchingPolicy: .nextTime, repeatedTimePolicy: .first, direction: .forward)
    }
}

extension Policy {
    /// The latest end among this policy's freeze windows open at `date`, or nil.
    public func freezeUntil(_ date: Date) -> Date? {
        rules.freezeWindows.compactMap { $0.openUntil(date) }.max()
    }
}
