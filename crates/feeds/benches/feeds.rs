//! Feed decoding benchmarks (filled in below).
fn main() {}
