# The scenarios the comparison scripts share (sourced by hub/compare.sh and before-after/run.sh), so
# that (a), (c1) or (c4) means the same load in every table. Each function sets the array `shape`
# (or `publish`) and fails for a scenario the generator does not run.
#   a   1,000 subscribers × 1,000 messages at 200/s over 4 publish connections
#   b   10,000 idle subscribers for 5 s
#   c1  100 subscribers, publishing as fast as answered for 10 s, 1 connection; c4 over 4
#   e0  100 readers of 3,000 updates of 2 KB at 200/s; e beside 2,000 subscribers that never read;
#       f beside 4 connections flooding another topic (herald bench only)
#   d   19,000 idle subscribers (herald bench only)

ssebench_shape() {  # ssebench_shape SCENARIO
    case $1 in
        a) shape=(-n 1000 -m 1000 -r 200 --pub-conns 4 --drain 120 --max-time 320) ;;
        b) shape=(-n 10000 -m 0 --idle 5 --connect-timeout 120 --max-time 200) ;;
        c1) shape=(-n 100 -m 5000000 -r 0 -d 10 --pub-conns 1 --drain 180 --max-time 320) ;;
        c4) shape=(-n 100 -m 5000000 -r 0 -d 10 --pub-conns 4 --drain 180 --max-time 320) ;;
        *) return 1 ;;
    esac
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
    publish=(--pub-ctype application/x-www-form-urlencoded --pub-body 'topic={topic}&data={"seq":{seq},"ts":{ts}}'
             --pub-header "Authorization: Bearer $1")
}
