//! Plans a batch, checks it whole, writes every file once in parallel, verifies and reports.
