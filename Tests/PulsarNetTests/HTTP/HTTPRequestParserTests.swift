import PulsarNet
import Testing


/// How input reaches the parser: whole, one byte at a time, or in uneven chunks. Every test that uses
/// ``parse(_:limits:)`` checks that all three give the same requests and the same error.
private let splits: [(String, @Sendable ([UInt8]) -> [[UInt8]])] = [
    ("whole", { [$0] }),
    ("byte at a time", { $0.map { [$0] } }),
    ("chunks of 7", { bytes in stride(from: 0, to: bytes.count, by: 7).map { Array(bytes[$0..<min($0 + 7, bytes.count)]) } }),
]

/// Feeds `text` in each of the splits; returns the requests and the error (the same for every split).
private func parse(_ text: String, limits: HTTPRequestParser.Limits = .init()) -> ([HTTPRequest], HTTPParseError?) {
    var results: [([HTTPRequest], HTTPParseError?)] = []
    for (_, split) in splits {
        var parser = HTTPRequestParser(limits: limits)
        var requests: [HTTPRequest] = []
        var failure: HTTPParseError?
        chunks: for chunk in split(Array(text.utf8)) {
            parser.append(chunk)
            while true {
                do {
                    guard let request = try parser.next() else { break }
                    requests.append(request)
                } catch {
                    failure = error
                    break chunks
                }
            }
        }
        results.append((requests, failure))
    }
    for (index, result) in results.enumerated().dropFirst() {
        #expect(result.0 == results[0].0, "split \(splits[index].0) gave other requests")
        #expect(result.1 == results[0].1, "split \(splits[index].0) gave another error")
    }
    return results[0]
}

@Suite(.timeLimit(.minutes(1))) struct HTTPRequestParserTests {
    @Test func simpleGetWithPathSegmentsAndQuery() throws {
        let (requests, error) = parse("GET /admin/v2/persistent/public/default/my%2Dtopic/stats?force=true&x=a+b HTTP/1.1\r\nHost: localhost:8080\r\nAccept: */*\r\n\r\n")
        #expect(error == nil)
        let request = try #require(requests.first)
        #expect(request.method == "GET")
        #expect(request.pathSegments == ["admin", "v2", "persistent", "public", "default", "my-topic", "stats"])
        #expect(request.query == ["force": "true", "x": "a b"])
        #expect(request.version == HTTPVersion(major: 1, minor: 1))
        #expect(request.headers["host"] == "localhost:8080")
        #expect(request.body.isEmpty)
        #expect(request.keepAlive)
    }

    @Test func encodedSlashStaysInsideItsSegmentAndEmptySegmentsAreDropped() throws {
        let (requests, _) = parse("GET //metrics/a%2Fb/ HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(requests.first?.pathSegments == ["metrics", "a/b"])
    }

    @Test func contentLengthBody() throws {
        let (requests, error) = parse("PUT /t/partitions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n12")
        #expect(error == nil)
        #expect(requests.map(\.body) == [Array("12".utf8)])
    }

    @Test func pipelinedRequestsComeOutInOrder() throws {
        let text = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /c HTTP/1.0\r\n\r\n"
        let (requests, error) = parse(text)
        #expect(error == nil)
        #expect(requests.map(\.pathSegments) == [["a"], ["b"], ["c"]])
        #expect(requests[1].body == Array("abc".utf8))
        #expect(requests[2].keepAlive == false)
    }

    @Test func chunkedBodyWithExtensionsAndTrailers() throws {
        let text = "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4;name=value\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: yes\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n"
        let (requests, error) = parse(text)
        #expect(error == nil)
        #expect(requests.map { String(decoding: $0.body, as: UTF8.self) } == ["Wikipedia", ""])
        #expect(requests.last?.pathSegments == ["next"])
    }

    @Test func bareLineFeedsAndLeadingEmptyLinesAreTolerated() throws {
        let (requests, error) = parse("\r\n\nGET /a HTTP/1.1\nHost: x\n\n")
        #expect(error == nil)
        #expect(requests.map(\.pathSegments) == [["a"]])
    }

    @Test func connectionSemantics() throws {
        let (requests, _) = parse("GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /b HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
        #expect(requests.map(\.keepAlive) == [false, true])
    }

    @Test func absoluteFormTargetsAreServedByTheirPath() throws {
        let (requests, _) = parse("GET http://localhost:8080/admin/v2/clusters HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(requests.first?.pathSegments == ["admin", "v2", "clusters"])
    }

    @Test(arguments: [
        "BLAH\r\n\r\n",
        "GET /a\r\nHost: x\r\n\r\n",
        "GET  /a HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET a HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /a HTTP/1.x\r\nHost: x\r\n\r\n",
        "GET /a HTTP/1.1\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\rInjected: y\r\n\r\n",
        "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /%ff HTTP/1.1\r\nHost: x\r\n\r\n",
        "PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        "PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "PUT /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
        "PUT /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "PUT /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
    ])
    func malformedInputIsABadRequest(_ text: String) {
        let (requests, error) = parse(text)
        #expect(requests.isEmpty)
        #expect(error?.status == .badRequest)
    }

    @Test func otherVersionsAndCodingsAreRefusedWithTheirOwnStatus() {
        #expect(parse("GET /a HTTP/2.0\r\nHost: x\r\n\r\n").1?.status == .versionNotSupported)
        #expect(parse("PUT /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").1?.status == .notImplemented)
    }

    @Test func oversizedBodiesAreRefusedBeforeTheyArrive() {
        let limits = HTTPRequestParser.Limits(maxHeaderBytes: 1024, maxBodyBytes: 10)
        #expect(parse("PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n", limits: limits).1?.status == .payloadTooLarge)
        #expect(parse("PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", limits: limits).1?.status == .badRequest)
        let chunked = "PUT /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n"
        #expect(parse(chunked, limits: limits).1?.status == .payloadTooLarge)
        #expect(parse("PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits).1 == nil)
    }

    @Test func oversizedHeadsAreRefusedWithoutWaitingForTheirEnd() {
        let limits = HTTPRequestParser.Limits(maxHeaderBytes: 64, maxBodyBytes: 10)
        let (requests, error) = parse("GET /a HTTP/1.1\r\nHost: x\r\nX-Long: " + String(repeating: "a", count: 100), limits: limits)
        #expect(requests.isEmpty)
        #expect(error?.status == .headerFieldsTooLarge)
    }

    @Test func aFailedParserStaysFailed() throws {
        var parser = HTTPRequestParser()
        parser.append(Array("BLAH\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(Self.failure(of: &parser)?.status == .badRequest)
        parser.append(Array("GET /b HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(Self.failure(of: &parser)?.status == .badRequest)
    }

    private static func failure(of parser: inout HTTPRequestParser) -> HTTPParseError? {
        do {
            _ = try parser.next()
            return nil
        } catch {
            return error
        }
    }

    @Test func expectContinueIsAskedForOnceWhileTheBodyIsMissing() throws {
        var parser = HTTPRequestParser()
        parser.append(Array("PUT /a HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n".utf8))
        #expect(try parser.next() == nil)
        let first = parser.takeContinueRequest(), second = parser.takeContinueRequest()
        #expect(first && !second)
        parser.append([UInt8(ascii: "3")])
        #expect(try parser.next()?.body == [UInt8(ascii: "3")])
        let afterBody = parser.takeContinueRequest()
        #expect(!afterBody)
    }

    @Test func consumedBytesAreReleased() throws {
        var parser = HTTPRequestParser()
        for _ in 0..<1000 {
            parser.append(Array("GET /admin/v2/clusters HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            #expect(try parser.next() != nil)
        }
        #expect(parser.bufferedBytes == 0)
    }
}

@Suite(.timeLimit(.minutes(1))) struct HTTPResponseTests {
    @Test func serialisesStatusHeadersLengthAndBody() {
        let response = HTTPResponse.json(["partitions": 3])
        #expect(String(decoding: response.serialized(keepAlive: true), as: UTF8.self)
            == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"partitions\":3}")
        #expect(String(decoding: response.serialized(keepAlive: false, includeBody: false), as: UTF8.self)
            == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 16\r\nConnection: close\r\n\r\n")
    }

    @Test func noContentHasNoLengthAndNoBody() {
        #expect(String(decoding: HTTPResponse.noContent.serialized(keepAlive: true), as: UTF8.self) == "HTTP/1.1 204 No Content\r\n\r\n")
    }

    @Test func errorsCarryAReason() {
        let response = HTTPResponse.error(.notFound, "Topic \"t\" not found")
        #expect(response.status.code == 404)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"reason":"Topic \"t\" not found"}"#)
    }
}
