"""Small typed views over the AWS events our handlers receive, where Powertools' costs more than it gives.

Powertools' ``data_classes`` package imports every event class it has (SES, Firehose, API Gateway ...) and
its ``event_handler`` on first use: tens of milliseconds on each cold start, for the few fields a Cognito
trigger or a Connect flow step reads. These views read exactly those fields, check their types, and fail
with ``base.MalformedEventError`` (never a ``KeyError`` quoting the event). No AWS calls, no third-party
imports. Import the module you need (``lambdas.events.cognito``, ``lambdas.events.connect``): this package
imports nothing, so a Cognito trigger does not load the Connect view.
"""
