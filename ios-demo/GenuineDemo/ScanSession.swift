// What the scanner screen shows as frames arrive: which code's card is up and
// the history of recent scans. Foundation only, the twin of android-demo's
// ScanSession.kt (which the JVM tests drive with real frames).
import Foundation

/// One scan as the card and the history show it.
struct Scan: Identifiable, Equatable {
    var at: Date
    let text: String
    let card: VerdictText
    var id: String { text }
}

struct ScanSession {
    var sameScan: TimeInterval = 3
    var historySize = 50
    /// The card on screen, if any.
    private(set) var card: Scan?
    /// Recent scans, newest first, one entry per code.
    private(set) var history: [Scan] = []

    /// A frame's codes. The card follows the code aimed at (the largest); a code
    /// held in view stays one history entry, and comes back to the top when it
    /// is scanned again after a pause.
    mutating func onFrame(_ found: [FoundCode], now: Date) {
        guard let aimed = found.max(by: { $0.area < $1.area }) else { return }
        if var shown = card, shown.text == aimed.text, now.timeIntervalSince(shown.at) < sameScan {
            shown.at = now
            card = shown
            return
        }
        let scan = Scan(at: now, text: aimed.text, card: VerdictWording.describe(aimed.verdict))
        card = scan
        history = Array(([scan] + history.filter { $0.text != scan.text }).prefix(historySize))
    }

    /// A history entry tapped: its card again.
    mutating func show(_ scan: Scan) { card = scan }

    /// The card closed; the same code still in view brings it back.
    mutating func dismiss() { card = nil }
}
