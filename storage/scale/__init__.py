"""Scale out: a state store for live runs (local, or Redis) and Celery workers that run missions.

`state_store` holds the interface and its two backends; `codec` turns engine events into JSON and
back; `queue` is the Celery app and how a mission is enqueued; `mission_task` is what a worker
does for one mission. None of it imports NiceGUI, so a worker starts without the web app.
"""
