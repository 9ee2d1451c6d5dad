-- wrk script for scripts/bench-daemon.sh: every request is Flagger's rollout
-- webhook for the one benchmark run (namespace bench, canary api, checksum c1).
wrk.method = "POST"
wrk.body = '{"name":"api","namespace":"bench","checksum":"c1"}'
wrk.headers["Content-Type"] = "application/json"
