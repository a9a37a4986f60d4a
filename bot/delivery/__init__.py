"""Delivery: plan -> render per segment -> compliance gate -> outbox -> senders -> receipts.

- :mod:`bot.delivery.audience`  who (segments, tags, groups, managers, fund holders; opt-outs, suitability)
- :mod:`bot.delivery.planner`   quiet hours, caps, rendering, the gate, idempotent outbox rows
  (request/result types in :mod:`bot.delivery.plan_types`, settings in :mod:`bot.delivery.policy`)
- :mod:`bot.delivery.quota`     the monthly mass-message cap ledger
- :mod:`bot.delivery.outbox`    claiming (SKIP LOCKED on PostgreSQL) and leases
- :mod:`bot.delivery.senders`   one sender per channel, audit log
- :mod:`bot.delivery.reconcile` rows whose send may have happened (crash, timeout)
- :mod:`bot.delivery.receipts`  receipts, reminders, coverage
- :mod:`bot.delivery.worker`    the loop that ties them together
"""
