import Foundation
import SQLiteDriver
import TestSupport
import Testing

/// The SQLite driver binds texts where they are, without a copy: what it stores must be
/// exactly what it was given, whatever the kind of string.
@Suite("SQLite statements")
struct SQLiteStatementTests {
    static func database() throws -> SQLiteDatabase {
        let path = try TestPaths.temporaryFolder().appendingPathComponent("driver.sqlite").path
        let database = try SQLiteDatabase(path: path)
        try database.execute(
            "CREATE TABLE kept (id INTEGER PRIMARY KEY, a TEXT, b TEXT, c TEXT, d TEXT, e TEXT, f TEXT, n INTEGER, z TEXT)"
        )
        return database
    }

    @Test("texts of every kind, numbers and NULL bound together read back exactly, in their places")
    func bindsEveryKindInPlace() throws {
        let database = try Self.database()
        let long = String(repeating: "switchboard ", count: 200)  // on the heap
        let slice = "CA0123456789abcdef0123456789abcdef, and more"
        let values: [SQLiteValue] = [
            .integer(7),
            .text(""),  // empty: still text, not NULL
            .text("+15550100001"),  // small: held inside the String value itself
            .text(long),
            .text("Zoë’s café — 日本語 ☎️"),
            .text("before\u{0}after"),  // a NUL byte inside
            .text(String(slice.prefix(34))),
            .integer(-42),
            .null,
        ]
        try database.prepare(
            "INSERT INTO kept (id, a, b, c, d, e, f, n, z) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        ).run(values)
        let rows = try database.prepare("SELECT a, b, c, d, e, f, n, z, typeof(a) FROM kept WHERE id = ?1").rows([
            .integer(7)
        ])
        #expect(
            rows == [
                [
                    "", "+15550100001", long, "Zoë’s café — 日本語 ☎️", "before\u{0}after",
                    "CA0123456789abcdef0123456789abcdef", "-42", nil, "text",
                ]
            ])
    }

    @Test("a statement runs again with new values, none of the last run's left bound")
    func runsAgainWithNewValues() throws {
        let database = try Self.database()
        let insert = try database.prepare("INSERT INTO kept (id, a, b) VALUES (?1, ?2, ?3)")
        try insert.run([.integer(1), .text("first a"), .text("first b")])
        try insert.run([.integer(2), .text("second a")])  // ?3 not given: NULL, not "first b"
        let rows = try database.prepare("SELECT a, b FROM kept ORDER BY id").rows()
        #expect(rows == [["first a", "first b"], ["second a", nil]])
    }

    @Test("too many values fail as a bind error, and the statement still runs afterwards")
    func bindFailureLeavesStatementUsable() throws {
        let database = try Self.database()
        let insert = try database.prepare("INSERT INTO kept (id, a) VALUES (?1, ?2)")
        let error = #expect(throws: SQLiteError.self) {
            try insert.run([.integer(1), .text("a"), .text("one too many")])
        }
        #expect(error?.operation == "bind")
        #expect(try database.prepare("SELECT count(*) FROM kept").rows() == [["0"]])
        try insert.run([.integer(1), .text("a")])
        #expect(try database.prepare("SELECT a FROM kept").rows() == [["a"]])
    }
}
