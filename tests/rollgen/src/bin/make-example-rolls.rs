//! Writes the bundled example rolls: `cargo run -p rollgen --bin make-example-rolls -- recipes/example-rolls`.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: make-example-rolls DIR");
        return ExitCode::from(2);
    };
    match rollgen::example_rolls(&dir) {
        Ok(files) => {
            for f in files {
                let size = std::fs::metadata(&f).map(|m| m.len()).unwrap_or(0);
                println!("{size:>9}  {}", f.display());
            }
            println!(
                "also: {}, {}",
                dir.join("cast.csv").display(),
                dir.join("episodes.csv").display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("make-example-rolls: {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}
