fn main() -> std::process::ExitCode {
    rcompose::heap::use_huge_pages();
    rcompose::cli::run()
}
