mod engine;
mod replays;
