# Sourced by the benchmark scripts that ask PostgreSQL alone what /data/ asks it
# (scripts/bench-sql, scripts/bench-scale, scripts/bench-pg-stores).

# /data/'s two reads, as catalog::list and orders::list send them (unqualified: the
# store's search_path picks the schema).
DATA_PRODUCTS_SQL="select id, name, description, price, stock, is_active, created_at, updated_at from products order by id"
DATA_ORDERS_SQL="select id, order_number, customer_id, customer_name, email, address, status, total, created_at, updated_at from orders order by id"

# The newest PostgreSQL's pgbench on this machine.
pgbench_bin() {
  echo "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/pgbench"
}

# Writes a pgbench script running the two reads in a read-only transaction that first
# enters a store: `stores_line` sets :s (a pgbench \set), `enter_sql` uses it.
pgbench_store_reads() { # file stores_line enter_sql
  printf '%s\n' "$2" "begin read only;" "$3;" "$DATA_PRODUCTS_SQL;" "$DATA_ORDERS_SQL;" "commit;" >"$1"
}

# Runs `file` with -M prepared and prints the rate of its last progress interval (its
# steady state, once every client has met its stores), else the whole run's.
pgbench_steady_rate() { # url file clients seconds interval
  "$(pgbench_bin)" -n -M prepared -c "$3" -j 2 -T "$4" -P "$5" -f "$2" "$1" 2>&1 \
    | awk '/^progress/ { last = $4 } /^tps/ { all = $3 } END { print (last != "" ? last : all) + 0 }'
}
