"""Webhooks: subscriptions and the transactional outbox (deliveries, retries, the sweeper)."""
