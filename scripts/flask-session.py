"""The real Flask-Session 0.8 for the tests: a tiny Flask app with its RedisSessionInterface.

    flask-session.py PORT FORMAT write SID JSON   the app sets these keys in session SID (- for a
                                                  new one) in a request through Flask's test
                                                  client and prints its id ({"$bytes": b64}
                                                  becomes bytes, {"$tuple": [...]} a tuple)
    flask-session.py PORT FORMAT read SID         what Flask-Session reads for SID, as JSON
                                                  ({"data": ..., "ttl": seconds} or {"data": null})
    flask-session.py PORT FORMAT pickle SID JSON  a legacy session: pickle.dumps of the dict
    flask-session.py PORT FORMAT clear SID        the app clears session SID in a request (Flask-Session
                                                  then deletes its key)

Environment: FLASK_SESSION_DB, the Redis database (0); FLASK_SESSION_LIFETIME, the app's
PERMANENT_SESSION_LIFETIME in seconds (31 days).
"""
import base64
import json
import os
import pickle
import sys
from datetime import timedelta

from flask import Flask, session, request
from flask_session import Session
from redis import Redis

port, fmt, command, sid = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
client = Redis(host="127.0.0.1", port=int(port), db=int(os.environ.get("FLASK_SESSION_DB", "0")))
app = Flask(__name__)
app.config.update(
    SESSION_TYPE="redis",
    SESSION_REDIS=client,
    SESSION_SERIALIZATION_FORMAT=fmt,
    PERMANENT_SESSION_LIFETIME=timedelta(seconds=int(os.environ.get("FLASK_SESSION_LIFETIME", 31 * 86400))),
    SECRET_KEY="test",
)
Session(app)


def python(v):
    if isinstance(v, dict):
        if list(v) == ["$bytes"]:
            return base64.b64decode(v["$bytes"])
        if list(v) == ["$tuple"]:
            return tuple(python(x) for x in v["$tuple"])
        return {k: python(x) for k, x in v.items()}
    if isinstance(v, list):
        return [python(x) for x in v]
    return v


def shown(v):
    if isinstance(v, bytes):
        return {"$base64": base64.b64encode(v).decode()}
    if isinstance(v, dict):
        return {k: shown(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [shown(x) for x in v]
    return v


@app.route("/write", methods=["POST"])
def write():
    for k, v in python(request.get_json()).items():
        session[k] = v
    return session.sid


@app.route("/clear", methods=["POST"])
def clear():
    session.clear()
    return ""


key = "session:" + sid
if command == "write":
    c = app.test_client()
    if sid != "-":
        c.set_cookie("session", sid)
    r = c.post("/write", data=sys.argv[5], content_type="application/json")
    assert r.status_code == 200, r.data
    assert sid in ("-", r.data.decode()), "session %s is gone" % sid
    print(r.data.decode())
elif command == "clear":
    c = app.test_client()
    c.set_cookie("session", sid)
    r = c.post("/clear")
    assert r.status_code == 200, r.data
elif command == "read":
    data = app.session_interface._retrieve_session_data(key)
    print(json.dumps({"data": shown(data), "ttl": client.ttl(key)} if data is not None else {"data": None}))
elif command == "pickle":
    client.set(key, pickle.dumps(python(json.loads(sys.argv[5]))), ex=3600)
else:
    sys.exit("unknown command " + command)
