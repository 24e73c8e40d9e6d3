"""Names for this stack's log groups, under one prefix that the log key's policy can name.

The prefix is the stack name plus the stack's UUID (the last part of ``AWS::StackId``): unique to this
deployment, so no other stack's log groups fall under it, and new when the stack is created again, so the
retained log groups of a deleted stack never collide with the new ones. It stays fixed across updates.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Fn, Stack

WAF_LOG_PREFIX = "aws-waf-logs-"  # WAF refuses a logging destination whose name does not start with it
LAMBDA_LOG_PREFIX = "/aws/lambda/"


def stack_prefix(stack: Stack) -> str:
    """``<stack name>-<stack UUID>`` (a token until deploy)."""
    return f"{stack.stack_name}-{Fn.select(2, Fn.split('/', stack.stack_id))}"


def lambda_log_group_name(stack: Stack, function: str) -> str:
    """``/aws/lambda/<stack prefix>-<function>``."""
    return f"{LAMBDA_LOG_PREFIX}{stack_prefix(stack)}-{function}"


def waf_log_group_name(stack: Stack) -> str:
    """``aws-waf-logs-<stack prefix>``: the web ACL's log group."""
    return f"{WAF_LOG_PREFIX}{stack_prefix(stack)}"


def log_group_arn(stack: Stack, name: str) -> str:
    """``arn:<partition>:logs:<region>:<account>:log-group:<name>`` (no ``:*`` suffix; ``name`` may end in *)."""
    return stack.format_arn(
        service="logs", resource="log-group", resource_name=name, arn_format=ArnFormat.COLON_RESOURCE_NAME
    )
