//! The `fieldlab` binary: parse the command line, load the settings, run the command.

use fieldlab::cli::Cli;
use fieldlab::config::Settings;

fn main() {
    let cli = Cli::parse_or_exit();
    // The offline solver needs neither settings nor a database.
    if let fieldlab::cli::Command::Allocate { input, objective } = &cli.command {
        fieldlab::cli::allocate(input, objective);
    }
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => fail(&e),
    };
    fieldlab::telemetry::init(&settings.log);
    let result = actix_web::rt::System::new().block_on(fieldlab::cli::run(cli, settings));
    if let Err(e) = result {
        fail(&e);
    }
}

fn fail(error: &anyhow::Error) -> ! {
    eprintln!("error: {error:#}");
    std::process::exit(1);
}
