import SwiftUI

@main
struct GenuineDemoApp: App {
    @StateObject private var model = GenuineModel()
    @Environment(\.scenePhase) private var scenePhase

    var body: some Scene {
        WindowGroup {
            ScannerView(model: model)
                .task { await model.start() }
        }
        .onChange(of: scenePhase) { phase in
            switch phase {
            case .active: model.resume()
            case .background: model.pause()
            default: break
            }
        }
        // BGTaskScheduler registration and expiry handled by SwiftUI (iOS 16+).
        .backgroundTask(.appRefresh(GenuineModel.syncTask)) {
            await model.backgroundSync()
        }
    }
}
