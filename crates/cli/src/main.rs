//! `kansa`: the command-line shell over Kansa's libraries.

mod audit_cmd;
mod bench_chain;
mod bench_cmd;
mod bench_monitor;
mod bench_network;
mod chain_cmd;
mod customers_cmd;
mod eval_cmd;
mod importer;
mod lists_cmd;
mod monitor_cmd;
mod network_cmd;
mod output;
mod screen_cmd;
mod trace_cmd;
mod update;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "kansa",
    version,
    about = "Compliance and security engine for crypto-asset exchanges"
)]
struct Cli {
    /// Data directory holding the embedded store.
    #[arg(
        long,
        global = true,
        env = "KANSA_DATA",
        default_value = "./kansa-data"
    )]
    data: PathBuf,
    /// PostgreSQL database for the ledger (decisions, audit log, users,
    /// tokens, cases), shared by replicas: `postgres://user@host/db`. The
    /// embedded store keeps it otherwise.
    #[arg(long, global = true, env = "KANSA_DATABASE")]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Sanctions lists: import, list, show, diff, update.
    Lists {
        #[command(subcommand)]
        command: lists_cmd::ListsCommand,
    },
    /// The customer register: import (and screen), hits found and lost.
    Customers {
        #[command(subcommand)]
        command: customers_cmd::CustomersCommand,
    },
    /// Screen names and crypto addresses against the active lists.
    Screen {
        #[command(subcommand)]
        command: screen_cmd::ScreenCommand,
    },
    /// Bitcoin blocks into the transaction graph; addresses, clusters, labels.
    Chain {
        #[command(subcommand)]
        command: chain_cmd::ChainCommand,
    },
    /// Taint and exposure: where funds went, where they came from.
    Trace {
        #[command(subcommand)]
        command: trace_cmd::TraceCommand,
    },
    /// Transaction monitoring and custody: events in, decisions out.
    Monitor {
        #[command(subcommand)]
        command: monitor_cmd::MonitorCommand,
    },
    /// Ownership and control networks: registry extracts, ultimate owners, blocked by ownership.
    Network {
        #[command(subcommand)]
        command: network_cmd::NetworkCommand,
    },
    /// The audit log: verify the hash chain, export it, read it.
    Audit {
        #[command(subcommand)]
        command: audit_cmd::AuditCommand,
    },
    /// Users of the service and their roles.
    Users {
        #[command(subcommand)]
        command: audit_cmd::UsersCommand,
    },
    /// API tokens: create (shown once), list, revoke.
    Tokens {
        #[command(subcommand)]
        command: audit_cmd::TokensCommand,
    },
    /// Run the HTTP service (API under /v1, docs at /docs).
    Serve {
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Rule pack (TOML) for decisions; the default pack otherwise.
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Largest request body accepted, in bytes.
        #[arg(long, default_value_t = 1 << 20)]
        body_limit: usize,
        /// Residency policy (TOML: region, and where personal data may go
        /// on which basis); personal data stays in Japan otherwise.
        #[arg(long, env = "KANSA_RESIDENCY")]
        residency: Option<PathBuf>,
        /// Also decide the events of a NATS JetStream stream (the
        /// `--nats*` options say which).
        #[arg(long = "from-nats")]
        from_nats: bool,
        #[command(flatten)]
        nats: monitor_cmd::NatsArgs,
    },
    /// Measure speed and quality (use a release build).
    Bench {
        #[command(subcommand)]
        command: bench_cmd::BenchCommand,
    },
    /// Measure quality: precision, recall and F1 on labelled pairs.
    Eval {
        #[command(subcommand)]
        command: eval_cmd::EvalCommand,
    },
}

/// Output cut short by the reader (`kansa ... | head`) ends the program
/// quietly, as other command-line tools do, instead of a panic report:
/// `println!` panics when stdout is a closed pipe.
fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

fn serve(
    data: &std::path::Path,
    database: Option<String>,
    listen: std::net::SocketAddr,
    rules: Option<PathBuf>,
    body_limit: usize,
    nats: Option<kansa_server::nats::NatsConfig>,
    residency: Option<PathBuf>,
) -> Result<bool> {
    let mut config = kansa_server::Config::new(data.to_path_buf());
    config.rules = rules;
    config.body_limit = body_limit;
    config.database = database;
    config.nats = nats;
    config.importer = Some(lists_cmd::http_importer(data.to_path_buf()));
    config.customer_importer = Some(customers_cmd::http_importer(data.to_path_buf()));
    config.sealer = kansa_store::data_key_from_env()?;
    if let Some(p) = &residency {
        let text = std::fs::read_to_string(p)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?;
        config.residency = kansa_residency::Policy::parse(&text, &p.display().to_string())?;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(kansa_server::serve(config, listen))?;
    Ok(true)
}

fn main() -> ExitCode {
    quiet_on_broken_pipe();
    let cli = Cli::parse();
    let result: Result<bool> = match cli.command {
        Command::Lists { command } => lists_cmd::run(&cli.data, command),
        Command::Eval { command } => eval_cmd::run(command),
        Command::Bench { command } => bench_cmd::run(&cli.data, command),
        Command::Screen { command } => screen_cmd::run(&cli.data, command),
        Command::Customers { command } => customers_cmd::run(&cli.data, command),
        Command::Chain { command } => chain_cmd::run(&cli.data, command),
        Command::Trace { command } => trace_cmd::run(&cli.data, command),
        Command::Monitor { command } => {
            monitor_cmd::run(&cli.data, cli.database.as_deref(), command)
        }
        Command::Network { command } => network_cmd::run(&cli.data, command),
        Command::Serve {
            listen,
            rules,
            body_limit,
            from_nats,
            nats,
            residency,
        } => serve(
            &cli.data,
            cli.database,
            listen,
            rules,
            body_limit,
            from_nats.then(|| nats.config()),
            residency,
        ),
        Command::Audit { command } => {
            audit_cmd::run_audit(&cli.data, cli.database.as_deref(), command)
        }
        Command::Users { command } => {
            audit_cmd::run_users(&cli.data, cli.database.as_deref(), command)
        }
        Command::Tokens { command } => {
            audit_cmd::run_tokens(&cli.data, cli.database.as_deref(), command)
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
