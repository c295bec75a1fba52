import Testing
import PulsarSupport

@Suite(.timeLimit(.minutes(2))) struct JSONTests {
    @Test func parsesAllValueKinds() throws {
        let value = try JSONValue(parsing: #" {"s":"x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00","i":-42,"d":1.5e3,"t":true,"f":false,"n":null,"a":[1,[2]],"o":{}} "#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["s", "i", "d", "t", "f", "n", "a", "o"])
        #expect(object["s"] == .string("x\"\\/\u{08}\u{0C}\n\r\té😀"))
        #expect(object["i"] == .integer(-42))
        #expect(object["d"] == .double(1500))
        #expect(object["t"] == .bool(true) && object["f"] == .bool(false) && object["n"] == .null)
        #expect(object["a"] == [1, [2]])
        #expect(object["o"] == .object(JSONObject()))
        #expect(try JSONValue(parsing: "9223372036854775807") == .integer(Int64.max))
        #expect(try JSONValue(parsing: "9223372036854775808") == .double(9223372036854775808))
        #expect(try JSONValue(parsing: "-0.0") == .double(-0.0))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "1.", ".5", "1e", "+1", "-", "tru", "nul",
        "\"unterminated", "\"bad \\x escape\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\u12\"", "\"tab\there\"",
        "{\"a\":1}{", "[1] 2", "{\"dup\":1,\"dup\":2}", "1e400", "NaN", "'single'",
    ])
    func rejectsInvalidJSON(text: String) {
        #expect(formatErrorCode { try JSONValue(parsing: text) } == .malformedJSON)
    }

    @Test func rejectsInvalidUTF8AndDeepNesting() {
        #expect(formatErrorCode { try JSONValue(parsing: [0x22, 0xC3, 0x28, 0x22]) } == .malformedJSON)
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(formatErrorCode { try JSONValue(parsing: deep) } == .malformedJSON)
        let fine = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect(formatErrorCode { try JSONValue(parsing: fine) } == nil)
    }

    @Test func numbersAreEqualByValueSoARoundTripKeepsTheDocument() throws {
        // Found by scripts/fuzz json: 170000000.0 parses as a double, serializes as 170000000, parses back as an integer.
        let parsed = try JSONValue(parsing: #"{"now": 170000000.0, "half": 0.5}"#)
        let again = try JSONValue(parsing: parsed.serialized)
        #expect(again == parsed)
        #expect(JSONValue.integer(3) == .double(3.0) && JSONValue.double(3.0).hashValue == JSONValue.integer(3).hashValue)
        #expect(JSONValue.integer(3) != .double(3.5))
    }

    @Test func serializesCompactlyInOrder() throws {
        var object: JSONObject = ["sub": "role", "exp": 123]
        object["list"] = ["a", 1, true, nil, 2.5]
        object["text"] = .string("quote\" back\\ nl\n ctl\u{01} slash/ é")
        #expect(object.serialized == #"{"sub":"role","exp":123,"list":["a",1,true,null,2.5],"text":"quote\" back\\ nl\n ctl\u0001 slash/ é"}"#)
        #expect(try JSONValue(parsing: object.serialized) == .object(object))
        #expect(JSONValue.double(.infinity).serialized == "null")
        #expect(JSONValue.double(3).serialized == "3")
        object["sub"] = nil
        #expect(object.keys == ["exp", "list", "text"])
        let reordered: JSONObject = ["b": 2, "a": 1]
        #expect(reordered == ["a": 1, "b": 2])
    }
}
