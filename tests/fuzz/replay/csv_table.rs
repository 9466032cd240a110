// The CSV tables of the standard steps.
//
// Shared by the fuzz target (tests/fuzz/fuzz_targets/csv_table.rs) and the regression test that replays
// tests/fuzz/regressions/csv_table/*, so both run exactly the same code. Panics are findings.

use rollcall_sdk::table::CsvTable;

/// Runs one fuzz input through the `csv_table` target's code.
pub fn exercise(data: &[u8]) {
    if let Ok(table) = CsvTable::parse("fuzz.csv", data) {
        let first = table.columns().first().cloned().unwrap_or_default();
        for row in table.rows() {
            let _ = row.get(&first);
            let _ = row.required("scene");
        }
    }
}
