// The app's state: one Verifier (thread-safe: the capture queue scans and
// verifies while a sync runs), the verdict on screen, history and sync.
import BackgroundTasks
import Foundation
import Genuine

@MainActor
final class GenuineModel: ObservableObject {
    enum Setup {
        case opening
        case ready(Verifier, ScanSession, CameraScanner)
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
    @Published var torchOn = false {
        didSet { if case let .ready(_, _, camera) = setup { camera.setTorch(torchOn) } }
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

    private func problemText(_ error: Error) -> String {
        if let error = error as? GenuineError { return wording.syncProblem(error: error) }
        return error.localizedDescription
    }

    /// Opens the verifier off the main thread, imports the bundle, starts the camera, syncs.
    func start() async {
        guard case .opening = setup else { return }
        do {
            let verifier = try await Task.detached(priority: .userInitiated) { try Self.openVerifier() }.value
            status = try? verifier.status()
            let session = ScanSession(verifier: verifier, wording: wording)
            let camera = CameraScanner(scanSession: session)
            camera.onFrame = { [weak self] result in
                Task { @MainActor in self?.onFrame(result) }
            }
            try await camera.configure()
            setup = .ready(verifier, session, camera)
            camera.start()
        } catch {
            setup = .failed((error as? LocalizedError)?.errorDescription ?? problemText(error))
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
        if case let .ready(_, _, camera) = setup { camera.start() }
    }

    func pause() {
        if case let .ready(_, _, camera) = setup { camera.stop() }
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

    /// Pull-to-refresh, start-up and the background task: one sync, its outcome in the status line.
    func refresh() async {
        guard let verifier, !syncing else { return }
        syncing = true
        defer { syncing = false }
        do {
            _ = try await verifier.sync()
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

    /// The background refresh: opens the verifier if the app was launched for it.
    func backgroundSync() async {
        scheduleBackgroundSync()
        if verifier == nil, case .opening = setup,
           let verifier = try? await Task.detached(operation: { try Self.openVerifier() }).value {
            _ = try? await verifier.sync()
            return
        }
        await refresh()
    }
}
