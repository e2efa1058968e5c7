//! `sqlx::migrate!` (db.rs) embeds the migration files at compile time, but Cargo does
//! not know they are inputs: without this, a change to a `.sql` file alone would leave
//! the old migrations in the binary. A directory here is scanned recursively (the
//! Cargo book, "rerun-if-changed"); this is what `sqlx migrate build-script` writes.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
