// The app's state: one Verifier (thread-safe: the capture queue scans and
// verifies while a sync runs), the verdict on screen, history and sync.
import BackgroundTasks
import Foundation
import Genuine

@MainActor
final class GenuineModel: ObservableObject {
    enum Setup {
        case opening
        /// The verifier works; the camera may not (the simulator, a denied
        /// permission): sync, status and the history still do.
        case ready(Verifier, ScanSession, CameraScanner?)
        case failed(String)
    }

    /// The BGTaskScheduler identifier (also in Info.plist's permitted identifiers).
    nonisolated static let syncTask = "dev.genuine.demo.sync"

    @Published private(set) var setup: Setup = .opening
    @Published private(set) var codes: [Outline] = []
    /// The card on screen and the history, as the SDK's session keeps them.
    @Published private(set) var shown: SessionEntry?
    @Published private(set) var history: [SessionEntry] = []
    /// The SDK's words for every verdict, status and problem (the same as the Android demo's).
    private let wording = Wording.english()
    @Published private(set) var syncing = false
    @Published private(set) var status: TrustStatus?
    @Published private(set) var problem: String?
    /// Whether the shopper agreed to send scan reports (docs/CLONES.md): off until they do.
    @Published private(set) var reporting = false
    /// What became of the shopper's last report of a fake, until they close it.
    @Published var notice: String?
    @Published var torchOn = false {
        didSet { if case let .ready(_, _, camera?) = setup { camera.setTorch(torchOn) } }
    }

    /// The card on screen: set it to a history entry to show it, nil to close it.
    var card: SessionEntry? {
        get { shown }
        set {
            guard case let .ready(_, session, _) = setup else { return }
            if let entry = newValue { _ = session.show(text: entry.text) } else { session.dismiss() }
            shown = session.card()
        }
    }

    private var verifier: Verifier? {
        if case let .ready(verifier, _, _) = setup { return verifier }
        return nil
    }

    /// The line under the camera: freshness, or what went wrong.
    var statusLine: String {
        [problem, status.map { wording.status(status: $0) }].compactMap { $0 }.joined(separator: " ")
    }

    /// What a shopper reads about an error: the SDK's words for its own
    /// errors, the camera's own explanation, never a type's debug text.
    private func problemText(_ error: Error) -> String {
        if let error = error as? GenuineError { return wording.syncProblem(error: error) }
        if let error = error as? CameraError, let text = error.errorDescription { return text }
        return wording.syncProblem(error: .Internal(detail: String(describing: type(of: error))))
    }

    /// The one verifier of this process, opened once: the foreground start and
    /// a background launch share it (two on one database would each sync).
    private var opening: Task<Verifier, Error>?

    private func openShared() async throws -> Verifier {
        if let opening { return try await opening.value }
        let task = Task.detached(priority: .userInitiated) { try Self.openVerifier() }
        opening = task
        return try await task.value
    }

    /// Opens the verifier off the main thread, imports the bundle, starts the camera, syncs.
    func start() async {
        guard case .opening = setup else { return }
        let verifier: Verifier
        do {
            verifier = try await openShared()
        } catch {
            setup = .failed(problemText(error))
            return
        }
        status = try? verifier.status()
        reporting = (try? verifier.reporting()) ?? false
        let session = ScanSession(verifier: verifier, wording: wording)
        let camera = CameraScanner(scanSession: session)
        camera.onFrame = { [weak self] result in
            Task { @MainActor in self?.onFrame(result) }
        }
        do {
            try await camera.configure()
            setup = .ready(verifier, session, camera)
            camera.start()
        } catch {
            // No camera: the verifier stays, so sync and status still run.
            setup = .ready(verifier, session, nil)
            problem = problemText(error)
        }
        scheduleBackgroundSync()
        await refresh()
    }

    private nonisolated static func openVerifier() throws -> Verifier {
        func resource(_ name: String) throws -> Data {
            guard let url = Bundle.main.url(forResource: name, withExtension: nil) else {
                throw GenuineError.BadInput(detail: "\(name) is missing from the app bundle")
            }
            return try Data(contentsOf: url)
        }
        let support = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        let feedUrl = Bundle.main.object(forInfoDictionaryKey: "GenuineFeedURL") as? String
        let verifier = try Verifier.open(
            dbPath: support.appendingPathComponent("genuine.db").path,
            anchorText: String(decoding: try resource("anchor.txt"), as: UTF8.self),
            feedUrl: feedUrl?.isEmpty == false ? feedUrl : nil)
        // The trust shipped with the app, so the very first scan works offline.
        // Imported at every launch: cheap, a no-op once held, never a rollback,
        // and it brings in a newer bundle after an app update.
        _ = try verifier.importBundle(bundle: try resource("trust.bundle"))
        return verifier
    }

    func resume() {
        if case let .ready(_, _, camera?) = setup { camera.start() }
    }

    func pause() {
        if case let .ready(_, _, camera?) = setup { camera.stop() }
        torchOn = false
    }

    private func onFrame(_ result: Result<(FrameReport, [Outline]), Error>) {
        switch result {
        case let .failure(error):
            problem = problemText(error)
        case let .success((report, outlines)):
            codes = outlines
            guard case let .ready(_, session, _) = setup else { return }
            if report.historyChanged { history = session.history() }
            if report.cardChanged { shown = session.card() }
        }
    }

    /// The consent switch. The SDK keeps the choice; off drops every report
    /// not yet sent. The session then reports each new scan of a signed code
    /// (no location: this demo never asks for it), and sync sends them.
    func setReporting(_ on: Bool) {
        guard let verifier else { return }
        do {
            try verifier.setReporting(enabled: on)
            reporting = on
        } catch {
            notice = problemText(error)
        }
    }

    /// "Report a suspected fake" on the verdict card: sent at once to the
    /// code's brand (no consent switch needed: it is the shopper's own act),
    /// off the main thread.
    func reportFake(_ entry: SessionEntry, reason: FakeReason, note: String) async {
        guard let verifier else { return }
        let text = entry.text
        let note = note.trimmingCharacters(in: .whitespacesAndNewlines)
        let outcome = await Task.detached(priority: .userInitiated) { () -> Result<Void, Error> in
            Result { try verifier.reportSuspectedFake(text: text, reason: reason, note: note) }
        }.value
        switch outcome {
        case .success:
            notice = "Thank you. The brand has your report."
        case let .failure(GenuineError.BadInput(detail)):
            notice = "Not sent: \(detail)."
        case let .failure(error):
            notice = "Not sent. \(problemText(error))"
        }
    }

    /// Pull-to-refresh, start-up and the background task: one sync, its outcome in the status line.
    func refresh() async {
        guard let verifier, !syncing else { return }
        syncing = true
        defer { syncing = false }
        do {
            // Cancellable: leaving the screen or the background task's expiry
            // (SwiftUI cancels its task) stops the request, nothing written.
            _ = try await verifier.syncCancellable()
            problem = nil
        } catch {
            problem = problemText(error)
        }
        status = try? verifier.status()
    }

    /// Asks iOS for a background refresh in about six hours (the feed's
    /// timestamp lives a day, docs/SYNC.md); iOS picks the moment.
    nonisolated func scheduleBackgroundSync() {
        let request = BGAppRefreshTaskRequest(identifier: Self.syncTask)
        request.earliestBeginDate = Date(timeIntervalSinceNow: 6 * 3600)
        try? BGTaskScheduler.shared.submit(request)
    }

    /// The background refresh: uses the process's one verifier (opening it
    /// if the app was launched for this), and stops when iOS ends the task:
    /// SwiftUI cancels it at expiry and `syncCancellable` honours that.
    func backgroundSync() async {
        scheduleBackgroundSync()
        if let verifier {
            _ = try? await verifier.syncCancellable()
        } else if let verifier = try? await openShared() {
            _ = try? await verifier.syncCancellable()
        }
        if let verifier = try? await openShared() { status = try? verifier.status() }
    }
}
