# The scenarios the comparison scripts share (sourced by hub/compare.sh and before-after/run.sh), so
# that (a), (c1) or (c4) means the same load in every table. Each function sets the array `shape`
# (or `publish`) and fails for a scenario the generator does not run.
#   a   1,000 subscribers × 1,000 messages at 200/s over 4 publish connections
#   b   10,000 idle subscribers for 5 s
#   c1  100 subscribers, publishing as fast as answered for 10 s, 1 connection; c4 over 4
#   e0  100 readers of 3,000 updates of 2 KB at 200/s; e beside 2,000 subscribers that never read;
#       f beside 4 connections flooding another topic. herald bench runs all of it in its process;
#       with ssebench the readers are ssebench's and what e and f put beside them is another
#       process's (start_disturbance), so that it does not slow the readers' own reading
#   d   19,000 idle subscribers (herald bench only)

ssebench_shape() {  # ssebench_shape SCENARIO
    case $1 in
        a) shape=(-n 1000 -m 1000 -r 200 --pub-conns 4 --drain 120 --max-time 320) ;;
        b) shape=(-n 10000 -m 0 --idle 5 --connect-timeout 120 --max-time 200) ;;
        c1) shape=(-n 100 -m 5000000 -r 0 -d 10 --pub-conns 1 --drain 180 --max-time 320) ;;
        c4) shape=(-n 100 -m 5000000 -r 0 -d 10 --pub-conns 4 --drain 180 --max-time 320) ;;
        e0 | e | f) shape=(-n 100 -m 3000 -r 200 --msg-size 2048 --drain 10 --max-time 120) ;;
        *) return 1 ;;
    esac
}

# What e and f put beside ssebench's readers, started as a process of its own before them: for e,
# `herald bench` holding 2,000 subscribers that never read (ssebench has none); for f, a second
# ssebench publishing to TOPIC-flood as fast as answered on 4 connections. Uses $herald, $ssebench,
# $sub_url, $pub_url, the array `publish` (as for the readers) and the array `bench_target`
# (herald bench's --protocol and, for Herald, --token). Sets disturbance_pid.
disturbance_pid=
start_disturbance() {  # start_disturbance SCENARIO TOPIC LOG
    disturbance_pid=
    case $1 in
        e)
            "$herald" bench "${bench_target[@]}" --subscribe-url "$sub_url" --publish-url "$pub_url" --topic "$2" \
                --subscribers 1 --stalled 2000 --messages 0 --idle 120 > "$3" 2>&1 &
            disturbance_pid=$!
            for _ in $(seq 1 600); do
                if grep -q "subscribers that never read" "$3"; then break; fi
                sleep 0.1
            done
            ;;
        f)
            "$ssebench" --sub-url "$sub_url" --pub-url "$pub_url" "${publish[@]}" --topic "$2-flood" -n 0 -m 50000000 -r 0 -d 30 \
                --pub-conns 4 --drain 1 --max-time 60 > "$3" 2>&1 &
            disturbance_pid=$!
            sleep 1
            ;;
    esac
}

stop_disturbance() {
    if [ -n "$disturbance_pid" ]; then
        kill "$disturbance_pid" 2>/dev/null || true
        wait "$disturbance_pid" 2>/dev/null || true
        disturbance_pid=
    fi
}

herald_bench_shape() {  # herald_bench_shape SCENARIO
    case $1 in
        a) shape=(--subscribers 1000 --messages 1000 --rate 200) ;;
        b) shape=(--subscribers 10000 --idle 5) ;;
        c1) shape=(--subscribers 100 --messages 1000000 --duration 10 --publish-connections 1) ;;
        c4) shape=(--subscribers 100 --messages 1000000 --duration 10 --publish-connections 4) ;;
        e0) shape=(--subscribers 100 --messages 3000 --rate 200 --message-bytes 2048) ;;
        e) shape=(--subscribers 100 --messages 3000 --rate 200 --message-bytes 2048 --stalled 2000) ;;
        f) shape=(--subscribers 100 --messages 3000 --rate 200 --message-bytes 2048 --flood 4) ;;
        d) shape=(--subscribers 19000 --idle 5) ;;
        *) return 1 ;;
    esac
}

# How ssebench publishes to a Mercure hub: a form with the topic and the message, and the token.
# The topic goes in the form as it is: ssebench does not percent-encode, and Herald reads these
# characters literally.
ssebench_mercure_publish() {  # ssebench_mercure_publish TOKEN
    publish=(--pub-ctype application/x-www-form-urlencoded --pub-body 'topic={topic}&data={"seq":{seq},"ts":{ts}}{pad}'
             --pub-header "Authorization: Bearer $1")
}
