#!/usr/bin/env python3
"""Writes the incident replays: three days of ordinary withdrawals from the
exchange's hot wallet (deterministic, made up: they give the breaker a
baseline), then the incident's outflows with the amounts and times that were
reported. Run from this directory: python3 make_replays.py"""
import json
import random


def ordinary(rng, wallet, asset, start_day, days, per_hour, low, high, decimals, prefix):
    events = []
    n = 0
    for hour in range(days * 24):
        for k in range(per_hour):
            n += 1
            minute = rng.randrange(60)
            day = start_day
            amount = round(rng.uniform(low, high), decimals)
            events.append({
                "id": f"{prefix}-{n:05d}",
                "type": "withdrawal",
                "time": f"{day}T{hour % 24:02d}:{minute:02d}:00+09:00",
                "customer": f"{prefix}-customer-{rng.randrange(400):03d}",
                "wallet": wallet,
                "asset": asset,
                "amount": f"{amount:.{decimals}f}",
                "address": f"{prefix}-customer-address-{n:05d}",
            })
    events.sort(key=lambda e: e["time"])
    return events


def write(path, header, events):
    with open(path, "w") as f:
        for line in header:
            f.write(f"// {line}\n")
        for e in events:
            f.write(json.dumps(e, ensure_ascii=False) + "\n")


def coincheck():
    rng = random.Random(2018)
    wallet = "coincheck-xem-hot"
    days = ["2018-01-23", "2018-01-24", "2018-01-25"]
    events = [{
        "id": "cc-balance-0", "type": "balance", "time": "2018-01-23T00:00:00+09:00",
        "wallet": wallet, "kind": "hot", "asset": "XEM", "amount": "526000000",
    }]
    for i, day in enumerate(days):
        events += ordinary(rng, wallet, "XEM", day, 1, 2, 1000, 60000, 0, f"cc{i}")
    # As reported (times JST, 26 January 2018): a 10 XEM test at 00:02;
    # six transfers over eight minutes from 00:10 taking 520M XEM; 1.5M at
    # 03:35, 1M at 04:33, 0.8M at 08:26. The split of the 520M into six is
    # not public to the unit: five of 100M and one of 20M here.
    thief = "thief-address-coincheck"
    incident = [("00:02:13", "10")]
    incident += [(t, "100000000") for t in ["00:10:00", "00:11:30", "00:13:00", "00:14:30", "00:16:00"]]
    incident += [("00:18:00", "20000000"), ("03:35:00", "1500000"), ("04:33:00", "1000000"), ("08:26:00", "800000")]
    for n, (t, amount) in enumerate(incident, 1):
        events.append({
            "id": f"cc-incident-{n}", "type": "withdrawal", "time": f"2018-01-26T{t}+09:00",
            "wallet": wallet, "asset": "XEM", "amount": amount, "address": thief, "incident": True,
        })
    write("coincheck-2018.jsonl", [
        "Coincheck, 26 January 2018: about 523M XEM drained from a single-signature hot wallet.",
        "Lines with \"incident\": true are the reported outflows (times JST, amounts as reported;",
        "the 520M taken from 00:10 split five of 100M and one of 20M). The rest is made-up",
        "ordinary traffic of the three days before, so the breaker has a baseline.",
    ], events)


def dmm():
    rng = random.Random(2024)
    wallet = "dmm-btc-hot"
    days = ["2024-05-28", "2024-05-29", "2024-05-30"]
    events = []
    for i, day in enumerate(days):
        events += ordinary(rng, wallet, "BTC", day, 1, 3, 0.001, 2.0, 8, f"dmm{i}")
    events.append({
        "id": "dmm-incident-1", "type": "withdrawal", "time": "2024-05-31T13:26:00+09:00",
        "wallet": wallet, "asset": "BTC", "amount": "4502.9", "address": "thief-address-dmm", "incident": True,
    })
    write("dmm-2024.jsonl", [
        "DMM Bitcoin, 31 May 2024: 4,502.9 BTC left in one transfer at 13:26 JST.",
        "The line with \"incident\": true is that transfer; the rest is made-up ordinary",
        "traffic of the three days before, so the breaker has a baseline.",
    ], events)


if __name__ == "__main__":
    coincheck()
    dmm()
