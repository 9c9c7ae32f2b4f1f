#!/usr/bin/env python3
# Writes deploy/grafana/dashboards/signalpath.json (python3 tools/deploy/grafana-dashboard.py deploy/grafana/dashboards/signalpath.json).
# The metric names are checked against real scrapes by tools/e2e/src/metrics.spec.ts.
import json
RI='$__rate_interval'
H='rpc_service!="grpc.health.v1.Health"'
panels=[]
y=0
def row(title):
    global y
    panels.append({"type":"row","title":title,"collapsed":False,"gridPos":{"h":1,"w":24,"x":0,"y":y},"id":len(panels)+1,"panels":[]})
    y+=1
def ts(title, targets, unit="short", x=0, w=12, desc=None):
    p={"type":"timeseries","title":title,"datasource":{"type":"prometheus","uid":"${datasource}"},"gridPos":{"h":8,"w":w,"x":x,"y":y},"id":len(panels)+1,
       "fieldConfig":{"defaults":{"unit":unit},"overrides":[]},"options":{"legend":{"displayMode":"table","placement":"right","calcs":["lastNotNull"]},"tooltip":{"mode":"multi"}},
       "targets":[{"refId":chr(65+i),"expr":e,"legendFormat":l,"datasource":{"type":"prometheus","uid":"${datasource}"}} for i,(e,l) in enumerate(targets)]}
    if desc: p["description"]=desc
    panels.append(p)
def nl(h=8):
    global y
    y+=h
S='service_name=~"$service"'
row("RPC (server side, per service and method)")
ts("Calls per second", [(f'sum by (service_name, rpc_method) (rate(rpc_server_duration_count{{{S},{H}}}[{RI}]))',"{{service_name}} {{rpc_method}}")],"reqps",0)
ts("Errors per second (status ≠ OK)", [(f'sum by (service_name, rpc_method, rpc_grpc_status_code) (rate(rpc_server_duration_count{{{S},{H},rpc_grpc_status_code!="0"}}[{RI}]))',"{{service_name}} {{rpc_method}} code {{rpc_grpc_status_code}}")],"reqps",12,
   desc="gRPC status codes: 3 INVALID_ARGUMENT, 4 DEADLINE_EXCEEDED, 8 RESOURCE_EXHAUSTED (load shedding), 14 UNAVAILABLE, 16 UNAUTHENTICATED")
nl()
ts("Latency p50", [(f'histogram_quantile(0.5, sum by (le, service_name, rpc_method) (rate(rpc_server_duration_bucket{{{S},{H}}}[{RI}])))',"{{service_name}} {{rpc_method}}")],"ms",0)
ts("Latency p99", [(f'histogram_quantile(0.99, sum by (le, service_name, rpc_method) (rate(rpc_server_duration_bucket{{{S},{H}}}[{RI}])))',"{{service_name}} {{rpc_method}}")],"ms",12)
nl()
row("RPC (client side: calls each service makes to the others)")
ts("Outgoing calls per second by status", [(f'sum by (service_name, rpc_method, rpc_grpc_status_code) (rate(rpc_client_duration_count{{{S}}}[{RI}]))',"{{service_name}} → {{rpc_method}} code {{rpc_grpc_status_code}}")],"reqps",0)
ts("Outgoing latency p99", [(f'histogram_quantile(0.99, sum by (le, service_name, rpc_method) (rate(rpc_client_duration_bucket{{{S}}}[{RI}])))',"{{service_name}} → {{rpc_method}}")],"ms",12)
nl()
row("Load shedding (admission gate)")
ts("Calls refused per second, by reason", [(f'sum by (service_name, reason) (rate(signalpath_admission_refused_total{{{S}}}[{RI}]))',"{{service_name}} {{reason}}")],"reqps",0)
ts("Running and queued calls", [(f'sum by (service_name) (signalpath_admission_running{{{S}}})',"{{service_name}} running"),(f'sum by (service_name) (signalpath_admission_queued{{{S}}})',"{{service_name}} queued")],"short",12)
nl()
row("SignalService: ingest and delivery")
ts("Ingest outcomes per second", [(f'sum by (status, skip_reason) (rate(signalpath_ingest_outcomes_total[{RI}]))',"{{status}} {{skip_reason}}")],"reqps",0)
ts("Sensitive-class suppressions (in range)", [('sum by (sensitive_class, language) (increase(signalpath_ingest_suppressions_total[$__range]))',"{{sensitive_class}} {{language}}")],"short",12,
   desc="Counts only: which user, text or topic is never a label.")
nl()
ts("Outbox backlog (database-wide: max over replicas)", [('max(signalpath_outbox_pending_signals)',"pending signals")],"short",0,8)
ts("Oldest undelivered signal", [('max(signalpath_outbox_oldest_pending_age)',"age")],"s",8,8)
ts("Delivery lag p50 / p95", [(f'histogram_quantile(0.5, sum by (le) (rate(signalpath_outbox_delivery_lag_bucket[{RI}])))',"p50"),(f'histogram_quantile(0.95, sum by (le) (rate(signalpath_outbox_delivery_lag_bucket[{RI}])))',"p95"),(f'sum(rate(signalpath_outbox_delivery_failures_total[{RI}]))',"failed rounds/s")],"s",16,8)
nl()
row("ConsentService: erasure and settings cache")
ts("Erasure jobs: unfinished by state (max over replicas), target calls by outcome", [('max by (state) (signalpath_erasure_jobs)',"unfinished {{state}}"),(f'sum by (target, outcome) (rate(signalpath_erasure_target_calls_total[{RI}]))',"calls/s {{target}} {{outcome}}")],"short",0,8)
ts("Oldest unfinished erasure job", [('max(signalpath_erasure_oldest_unfinished_age)',"age")],"s",8,8)
ts("Settings cache: staleness bound now, hit ratio", [('max by (instance) (signalpath_consent_settings_cache_staleness)',"staleness {{instance}}"),(f'sum(rate(signalpath_consent_settings_cache_lookups_total{{result="hit"}}[{RI}])) / sum(rate(signalpath_consent_settings_cache_lookups_total[{RI}]))',"hit ratio")],"short",16,8,
   desc="Staleness: seconds since the change feed last synced; above CONSENT_SETTINGS_CACHE_MAX_STALENESS answers come from the database.")
nl()
dash={"title":"Signalpath","uid":"signalpath","schemaVersion":39,"version":1,"editable":True,"tags":["signalpath"],"time":{"from":"now-1h","to":"now"},"refresh":"30s",
 "description":"The four Signalpath services: RPC rate, errors and latency per method (server and client), load shedding, ingest outcomes, suppressions, outbox backlog and delivery lag, erasure jobs, consent-cache staleness. Generated by tools/deploy/grafana-dashboard.py; README, Metrics.",
 "templating":{"list":[
   {"type":"datasource","name":"datasource","label":"Prometheus","query":"prometheus","current":{}},
   {"type":"query","name":"service","label":"Service","datasource":{"type":"prometheus","uid":"${datasource}"},"query":{"query":"label_values(target_info, service_name)","refId":"service"},"definition":"label_values(target_info, service_name)","includeAll":True,"multi":True,"current":{"text":"All","value":"$__all"},"refresh":2}]},
 "panels":panels}
import sys
json.dump(dash, open(sys.argv[1],'w'), indent=2, ensure_ascii=False)
open(sys.argv[1],'a').write('\n')
