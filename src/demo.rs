pub async fn run(_args: crate::config::DemoArgs) -> anyhow::Result<()> { Ok(()) }
