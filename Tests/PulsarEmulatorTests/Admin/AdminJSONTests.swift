import PulsarSupport
import Testing
@testable import PulsarEmulator

@Suite(.timeLimit(.minutes(1))) struct AdminJSONTests {
    @Test func encodesCompactlyInInsertionOrder() {
        let value: JSONValue = ["b": 1, "a": [true, nil, 1.5, "x"], "c": [:]]
        #expect(value.encoded() == #"{"b":1,"a":[true,null,1.5,"x"],"c":{}}"#)
    }

    @Test func escapesStrings() {
        #expect(JSONValue.string("q\"b\\n\n\t\u{01}é😀").encoded() == #""q\"b\\n\n\t\u0001é😀""#)
    }

    @Test func parsesWhatItEncodes() throws {
        let value: JSONValue = ["ledgerId": -1, "entryId": 9_223_372_036_854_775_807, "excluded": false,
                                "name": "a\"b\u{08}😀", "list": [1, 2.5e-3, [], [:]]]  // integral doubles are written as integers
        #expect(try JSONValue.parse(Array(value.encoded().utf8)) == value)
    }

    @Test func parsesEscapesAndSurrogatePairs() throws {
        #expect(try JSONValue.parse(Array(#" "\u00e9\ud83d\ude00\/" "#.utf8)) == .string("é😀/"))
        #expect(try JSONValue.parse(Array("3".utf8)).intValue == 3)
        #expect(try JSONValue.parse(Array("3.0".utf8)).intValue == 3)
        #expect(try JSONValue.parse(Array("-0.5e-2".utf8)) == .double(-0.005))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "tru", "\"\\x\"", "\"\u{01}\"", "\"\\ud800\"",
                      "{\"a\":1}x", "'a'", "[1 2]", "\"unterminated"])
    func refusesInvalidJSON(_ text: String) {
        #expect(throws: FormatError.self) { try JSONValue.parse(Array(text.utf8)) }
    }

    @Test func refusesInvalidUTF8AndDeepNesting() {
        #expect(throws: FormatError.self) { try JSONValue.parse([UInt8(ascii: "\""), 0xFF, UInt8(ascii: "\"")]) }
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: FormatError.self) { try JSONValue.parse(Array(deep.utf8)) }
        let fine = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect(throws: Never.self) { try JSONValue.parse(Array(fine.utf8)) }
    }

    @Test func accessors() throws {
        #expect(throws: FormatError.self, "duplicate member names are refused") {
            try JSONValue.parse(Array(#"{"a":"x","a":"y"}"#.utf8))
        }
        let value = try JSONValue.parse(Array(#"{"a":"y","b":true}"#.utf8))
        #expect(value["a"]?.stringValue == "y")
        #expect(value["b"]?.boolValue == true)
        #expect(value["c"] == nil)
        #expect(JSONValue.integer(1)["a"] == nil)
    }
}
