// The SDK's default transport on iOS: `sync()` over the app's URLSession, so
// App Transport Security, the system proxy, MDM-installed profiles and the
// app's own session configuration (pinning in its delegate) all apply. It
// mirrors the Kotlin SDK's HttpUrlConnectionTransport:
// - the byte cap enforced while streaming (an endless body costs at most the cap);
// - the deadline for the whole request, body included;
// - cancellation: the request's CancelSignal turns on when the Swift task that
//   awaits `syncCancellable()` is cancelled (or on `cancelSync()`), and the
//   data task is cancelled within 50 ms;
// - a body shorter than its Content-Length is a failure, not a file.
// Nothing it returns is trusted: the core re-checks the cap and checks every
// hash, signature and version.
import Foundation

public final class URLSessionTransport: HttpTransport, @unchecked Sendable {
    private let configuration: URLSessionConfiguration

    /// A transport on `configuration` (default: `.ephemeral`, no cache: every
    /// byte is checked anyway, and a conditional request does the caching).
    public init(configuration: URLSessionConfiguration = .ephemeral) {
        let copy = configuration.copy() as? URLSessionConfiguration ?? .ephemeral
        copy.requestCachePolicy = .reloadIgnoringLocalCacheData
        copy.urlCache = nil
        self.configuration = copy
    }

    public func get(request: HttpRequest) throws -> HttpResponse {
        if request.cancel.isCancelled() { throw TransportError.Cancelled }
        guard let url = URL(string: request.url) else {
            throw TransportError.Failed(detail: "bad URL: \(request.url)")
        }
        let timeout = TimeInterval(min(request.timeoutMillis, 86_400_000)) / 1000
        var urlRequest = URLRequest(url: url, timeoutInterval: timeout)
        urlRequest.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        if let etag = request.ifNoneMatch {
            urlRequest.setValue(etag, forHTTPHeaderField: "If-None-Match")
        }
        return try perform(urlRequest, cap: request.maxBytes, cancel: request.cancel, timeout: timeout)
    }

    /// Opt-in scan reports to a brand's collector: one POST of JSON, held to
    /// the same cap, deadline and signal (only once the shopper agreed).
    public func post(request: PostRequest) throws -> HttpResponse {
        if request.cancel.isCancelled() { throw TransportError.Cancelled }
        guard let url = URL(string: request.url) else {
            throw TransportError.Failed(detail: "bad URL: \(request.url)")
        }
        let timeout = TimeInterval(min(request.timeoutMillis, 86_400_000)) / 1000
        var urlRequest = URLRequest(url: url, timeoutInterval: timeout)
        urlRequest.httpMethod = "POST"
        urlRequest.setValue("application/json", forHTTPHeaderField: "Content-Type")
        urlRequest.httpBody = request.body
        return try perform(urlRequest, cap: request.maxBytes, cancel: request.cancel, timeout: timeout)
    }

    private func perform(
        _ urlRequest: URLRequest, cap: Int64, cancel: CancelSignal, timeout: TimeInterval
    ) throws -> HttpResponse {
        let receiver = Receiver(cap: cap)
        let session = URLSession(configuration: configuration, delegate: receiver, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let task = session.dataTask(with: urlRequest)
        task.resume()
        let deadline = Date().addingTimeInterval(timeout)
        // Wait on the calling (sync's own) thread, waking to check the cancel signal.
        while receiver.done.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
            if cancel.isCancelled() {
                task.cancel()
                throw TransportError.Cancelled
            }
            if Date() >= deadline {
                task.cancel()
                throw TransportError.Timeout
            }
        }
        return try receiver.result()
    }
}

/// Collects one response, refusing bodies past the cap as they arrive.
private final class Receiver: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    private let cap: Int64
    private let lock = NSLock()
    private var response: HTTPURLResponse?
    private var body = Data()
    private var failure: TransportError?
    /// A non-200 head was read and the task cancelled on purpose.
    private var statusOnly = false

    init(cap: Int64) {
        self.cap = cap
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        lock.lock()
        defer { lock.unlock() }
        guard let http = response as? HTTPURLResponse else {
            failure = .Failed(detail: "not an HTTP response")
            return completionHandler(.cancel)
        }
        self.response = http
        // Only a 200's body is used; any other answer is its status, and
        // its body (endless, perhaps) is never downloaded.
        if http.statusCode != 200 {
            statusOnly = true
            return completionHandler(.cancel)
        }
        if http.expectedContentLength > 0, Int64(http.expectedContentLength) > cap {
            failure = .TooLarge
            return completionHandler(.cancel)
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.lock()
        defer { lock.unlock() }
        guard failure == nil else { return }
        // Only a 200's body is used; other answers are their status.
        guard response?.statusCode == 200 else { return }
        if Int64(body.count) + Int64(data.count) > cap {
            failure = .TooLarge
            dataTask.cancel()
            return
        }
        body.append(data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        lock.lock()
        if statusOnly {
            // The cancel was ours: the status is the answer.
        } else if failure == nil, let error = error as? URLError {
            failure = error.code == .timedOut ? .Timeout : .Failed(detail: error.localizedDescription)
        } else if failure == nil, let error {
            failure = .Failed(detail: error.localizedDescription)
        }
        lock.unlock()
        done.signal()
    }

    func result() throws -> HttpResponse {
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw failure }
        guard let response else { throw TransportError.Failed(detail: "no response") }
        let status = response.statusCode
        guard (0...65_535).contains(status) else { throw TransportError.Failed(detail: "status \(status)") }
        let declared = response.expectedContentLength
        if status == 200, declared >= 0, Int64(body.count) != declared {
            throw TransportError.Failed(detail: "body cut short: \(body.count) of \(declared) bytes")
        }
        let etag = response.value(forHTTPHeaderField: "ETag")
        return HttpResponse(status: Int32(status), etag: etag, body: status == 200 ? body : Data())
    }
}
