# Sourced by tests/run: make sure Redis and PostgreSQL answer on 127.0.0.1, starting them when this
# machine has them installed and we may (root). Exports REDIS_TEST_URL and POSTGRES_TEST_URL.
# Tests that need a service are skipped when it is absent, unless WECOMBOT_REQUIRE_SERVICES=1.

export REDIS_TEST_URL="${REDIS_TEST_URL:-redis://127.0.0.1:6379/15}"
export POSTGRES_TEST_URL="${POSTGRES_TEST_URL:-postgresql+asyncpg://postgres:postgres@127.0.0.1:5432/test}"

_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! _port_open 6379 && command -v redis-server >/dev/null 2>&1; then
  echo "tests/run: starting redis-server on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 50); do _port_open 6379 && break; sleep 0.1; done
fi

if ! _port_open 5432 && command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "tests/run: starting PostgreSQL"
  for version in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 100); do _port_open 5432 && break; sleep 0.1; done
fi

if _port_open 5432 && [ "$(id -u)" = 0 ] && command -v psql >/dev/null 2>&1 && id postgres >/dev/null 2>&1; then
  # A fresh Debian cluster asks for a password over TCP: give the postgres role the one in the URL
  # and make sure the test database exists. Harmless where trust auth is configured.
  su postgres -c "psql -qAtc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null 2>&1 || true
  su postgres -c "psql -qAtc \"SELECT 1 FROM pg_database WHERE datname='test'\"" 2>/dev/null | grep -q 1 \
    || su postgres -c "createdb test" >/dev/null 2>&1 || true
fi

_port_open 6379 || echo "tests/run: no Redis on 127.0.0.1:6379 — Redis tests will be skipped"
_port_open 5432 || echo "tests/run: no PostgreSQL on 127.0.0.1:5432 — PostgreSQL tests will be skipped"
