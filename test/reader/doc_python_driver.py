"""Runs the Python example of docs/consumers.md (imported as `example`) against the sandbox; prints one JSON summary.

The sandbox's addresses and the store's credentials come in SANDBOX (JSON). Prints no token.
"""
import json
import os
import time
import traceback
import urllib.request

import boto3

import example

sandbox = json.loads(os.environ["SANDBOX"])
api, aws, store = sandbox["apiUrl"], sandbox["awsEndpoint"], sandbox["storeHash"]
graphql_url = sandbox["graphqlUrl"]
sm = boto3.client("secretsmanager")
summary = {}


def http(method, url, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data, {"content-type": "application/json", **(headers or {})}, method=method)
    with urllib.request.urlopen(request) as response:
        text = response.read()
        return json.loads(text) if text else None


def mint():
    expires = int(time.time()) + 86400
    created = http(
        "POST",
        f"{api}/stores/{store}/v3/storefront/api-token-private",
        {"channel_ids": [1], "expires_at": expires, "scopes": ["Unauthenticated"]},
        {"x-auth-token": sandbox["accessToken"]},
    )
    token = created["data"]["token"]
    value = {
        "schemaVersion": 1,
        "token": token,
        "tokenId": "headless",
        "family": "storefront-private",
        "storeHash": store,
        "mintedAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "expiresAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(expires)),
        "usage": {"header": "Authorization", "valuePrefix": "Bearer "},
    }
    return token, json.dumps(value)


name = sandbox["secretName"]
sm.create_secret(Name=name, SecretString=json.dumps({"schemaVersion": 1, "token": None, "status": "awaiting-first-rotation"}))
reader = example.TokenReader(name)
try:
    reader.get_token()
except example.NoTokenYet:
    summary["placeholder"] = "NoTokenYet"

first, value = mint()
sm.put_secret_value(SecretId=name, SecretString=value)
summary["storeName"] = example.store_name(reader, graphql_url)

second, value = mint()
second_version = sm.put_secret_value(SecretId=name, SecretString=value)["VersionId"]
http("DELETE", f"{api}/stores/{store}/v3/storefront/api-token", None,
     {"x-auth-token": sandbox["accessToken"], "sf-api-token": first})
summary["storeNameAfterRevocation"] = example.store_name(reader, graphql_url)
summary["movedToNewVersion"] = reader.token["version_id"] == second_version

reader.fresh_until = 0
http("POST", f"{aws}/__sandbox/faults",
     {"match": {"operation": "GetSecretValue"}, "fault": {"kind": "status", "status": 500}, "times": 5})
summary["keptDuringOutage"] = reader.get_token()["version_id"] == second_version
http("DELETE", f"{aws}/__sandbox/faults")

marker = "MARKER" + "x" * 20
sm.put_secret_value(SecretId=name, SecretString=f"not json {marker}")
reader.fresh_until = 0
try:
    reader.get_token()
except ValueError as error:
    shown = "".join(traceback.format_exception(error))  # what a log of the failure would show
    summary["malformed"] = "ValueError"
    summary["malformedShowsValue"] = marker in shown

print(json.dumps(summary))
