"""A static page behind CloudFront: private encrypted S3 origin (OAC), the shared security headers, access logs.

Reusable for every page (the C1 authorised-user page, the C4 ordering chat): give it the page's directory,
the ``config.json`` it reads at start-up (tokens allowed: the API's URL), and the origins the page may
connect to. The response headers come from ``web/security_headers.json``, which the local web server
(``sim.web``) also sends, so a page that works locally works behind CloudFront.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aws_cdk import Annotations, DefaultStackSynthesizer, Duration, RemovalPolicy, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct, IConstruct

from stacks.constructs.compliance import acknowledge, nag_rendering
from stacks.constructs.log_names import lambda_log_group_name
from stacks.constructs.stable import pin_logical_id
from web import security_headers
from web.shipping import ALWAYS_EXCLUDED

CONFIG_FILE = "config.json"
ACCESS_LOG_RETENTION = Duration.days(400)  # PCI DSS 10.7: a year of audit history, three months at hand
_CONSTRUCT_ID = re.compile(r"[A-Za-z][A-Za-z0-9]{0,40}")
_BUCKET_DEPLOYMENT_HANDLER = "Custom::CDKBucketDeployment"
BOOTSTRAP_QUALIFIER_CONTEXT = "@aws-cdk/core:bootstrapQualifier"

NO_REPLICATION = (
    "The bucket holds only a copy of files kept in source control and redeployed by cdk deploy (or, for the log "
    "bucket, CloudFront and S3 access logs that CloudFront already spreads over its edge); cross-region "
    "replication adds a second region's bucket, key and role for no recovery gain. Add it where a policy "
    "demands a second copy of the access logs."
)


class StaticSite(Construct):
    """S3 (KMS, versioned, TLS-only, no public access, access-logged) + CloudFront (OAC, HTTPS only, headers).

    ``construct_id`` prefixes the pinned logical IDs of the stateful resources (buckets, key, distribution),
    so a refactor never replaces the bucket or changes the page's domain. One site per stack: CDK runs every
    BucketDeployment of a stack through one function and one role, which would give each site's deploy
    role the other sites' buckets (each capability has its own stack, hence its own site).
    Without ``certificate`` the site uses CloudFront's default ``*.cloudfront.net`` certificate, for which
    CloudFront cannot raise the viewer TLS minimum; give a certificate (ACM, us-east-1) and ``domain_names``
    to get TLS 1.2+ only.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        source_dir: Path,
        config: Mapping[str, Any],
        connect_sources: Sequence[str],
        log_key: kms.IKey,
        description: str,
        certificate: acm.ICertificate | None = None,
        domain_names: Sequence[str] = (),
        web_acl_id: str | None = None,
        headers: security_headers.SecurityHeaders | None = None,
        exclude: Sequence[str] = (),
    ) -> None:
        """``exclude``: more glob patterns (relative to ``source_dir``) that never ship, e.g. sources and npm files."""
        super().__init__(scope, construct_id)
        if not _CONSTRUCT_ID.fullmatch(construct_id):
            raise ValueError(f"StaticSite id {construct_id!r}: letters and digits only (it prefixes logical IDs)")
        if not source_dir.is_dir() or not (source_dir / "index.html").is_file():
            raise ValueError(f"{source_dir}: expected a directory with an index.html")
        if bool(certificate) != bool(domain_names):
            raise ValueError("certificate and domain_names go together")
        others = [c for c in Stack.of(self).node.find_all() if isinstance(c, StaticSite) and c is not self]
        if others:
            raise ValueError(f"{Stack.of(self).node.path} already has a StaticSite ({others[0].node.path}): "
                             "one per stack, so no deploy role reaches another site's bucket")
        headers = headers or security_headers.load()

        self.key = kms.Key(self, "Key", enable_key_rotation=True,
                           description=f"Encrypts the files of the {description} site")
        self.log_bucket = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,  # the only encryption S3 server access logging writes to
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            # CloudFront standard logs are delivered with an ACL grant, so ACLs stay enabled (owner preferred).
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(expiration=ACCESS_LOG_RETENTION,
                                              noncurrent_version_expiration=Duration.days(30))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.bucket = s3.Bucket(
            self,
            "Content",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(90))],
            server_access_logs_bucket=self.log_bucket,
            server_access_logs_prefix="s3/",
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.headers_policy = cloudfront.ResponseHeadersPolicy(
            self,
            "Headers",
            comment=f"Security headers of the {description} site (web/security_headers.json)",
            security_headers_behavior=_security_behavior(headers, connect_sources),
            custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(custom_headers=[
                cloudfront.ResponseCustomHeader(header=name, value=value, override=True)
                for name, value in headers.custom.items()
            ]),
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=description,
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.headers_policy,
                compress=True,
            ),
            certificate=certificate,
            domain_names=list(domain_names) or None,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if certificate else None,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            enable_logging=True,
            log_bucket=self.log_bucket,
            log_file_prefix="cloudfront/",
            log_includes_cookies=False,
            web_acl_id=web_acl_id,
        )
        deploy_logs = logs.LogGroup(
            self,
            "DeployLogs",
            log_group_name=lambda_log_group_name(Stack.of(self), f"{construct_id}-deploy"),
            retention=logs.RetentionDays.ONE_YEAR,
            encryption_key=log_key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.deploy_role = iam.Role(
            self,
            "DeployRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Copies the {description} site's files into its bucket during cdk deploy",
        )
        deploy_logs.grant_write(self.deploy_role)
        self.deployment = s3deploy.BucketDeployment(
            self,
            "Files",
            destination_bucket=self.bucket,
            sources=[
                s3deploy.Source.asset(str(source_dir), exclude=[*ALWAYS_EXCLUDED, *exclude]),
                s3deploy.Source.json_data(CONFIG_FILE, dict(config)),
            ],
            distribution=self.distribution,
            distribution_paths=["/*"],
            memory_limit=256,
            role=self.deploy_role,
            log_group=deploy_logs,
        )
        for construct, suffix in ((self.bucket, "Content"), (self.log_bucket, "AccessLogs"), (self.key, "Key"),
                                  (self.distribution, "Distribution")):
            pin_logical_id(construct, f"{construct_id}{suffix}")
        self._acknowledge(web_acl_id is not None, certificate is not None)
        self._acknowledge_deployment()
        Annotations.of(self).acknowledge_warning(
            "@aws-cdk/aws-cloudfront-origins:wildcardKeyPolicyForOac",
            "The key policy lets CloudFront decrypt for this account's distributions (distribution/*) because "
            "naming this one would make a dependency cycle; the bucket policy admits only this distribution, "
            "and S3 asks KMS to decrypt only for requests that policy has already allowed.",
        )

    @property
    def url(self) -> str:
        """``https://<distribution domain>/`` (the page's address; the link adds ``#grant=...``)."""
        return f"https://{self.distribution.distribution_domain_name}/"

    def _acknowledge(self, has_web_acl: bool, has_certificate: bool) -> None:
        acknowledge(self.log_bucket, "AwsSolutions-S1",
                    "This is the access-log bucket itself: logging its own access into itself would log each "
                    "log delivery without end. Access to it is confined to its owner and the log services.")
        acknowledge(self.log_bucket, "PCI.DSS.321-S3BucketLoggingEnabled",
                    "This is the access-log bucket itself: logging its own access into itself would log each "
                    "log delivery without end. Access to it is confined to its owner and the log services.")
        acknowledge(self.log_bucket, "PCI.DSS.321-S3DefaultEncryptionKMS",
                    "S3 server access logging delivers only to buckets encrypted with S3-managed keys (SSE-S3); "
                    "a customer-managed KMS key would stop log delivery. The logs hold request metadata, never "
                    "the grant, which travels in the URL fragment that browsers do not send.")
        for bucket in (self.bucket, self.log_bucket):
            acknowledge(bucket, "PCI.DSS.321-S3BucketReplicationEnabled", NO_REPLICATION)
        if not has_web_acl:
            acknowledge(self.distribution, "AwsSolutions-CFR2",
                        "The distribution serves a few static files with GET and HEAD only; nothing is submitted "
                        "to it. The API the page calls is throttled on its own. Pass web_acl_id (a CLOUDFRONT-"
                        "scope web ACL, which must live in us-east-1) where a policy requires WAF on every edge.")
        acknowledge(self.distribution, "AwsSolutions-CFR1",
                    "Customers travel and open the text message wherever they are while still on the call; a "
                    "geographic block would lock out legitimate callers. The link itself is single use, "
                    "short-lived and scoped, which is the control that matters here.")
        if not has_certificate:
            acknowledge(self.distribution, "AwsSolutions-CFR4",
                        "Without a custom domain the site uses the default *.cloudfront.net certificate, for "
                        "which CloudFront fixes the viewer policy at TLSv1 and cannot raise it. Give the "
                        "construct a certificate and domain names to enforce TLS 1.2 (TLSv1.2_2021).")

    def _acknowledge_deployment(self) -> None:
        """What CDK's BucketDeployment needs at deploy time: its grants on our role, its own function."""
        objects = ("This is CDK's BucketDeployment grant on this site's bucket only: it replaces the site's files "
                   "on each deploy and prunes those no longer in source control, so it lists, reads, writes and "
                   "deletes (and aborts uploads of) any object of this one bucket.")
        findings = {
            "Action::s3:GetObject*": objects,
            "Action::s3:GetBucket*": objects,
            "Action::s3:List*": objects,
            "Action::s3:DeleteObject*": objects,
            "Action::s3:Abort*": objects,
            f"Resource::{nag_rendering(self, self.bucket.arn_for_objects('*'))}": objects,
            f"Resource::{nag_rendering(self, _assets_objects(Stack.of(self)))}":
                "The deploy role reads the site's zipped files from the CDK bootstrap assets bucket, where the "
                "object key is a content hash unknown until synthesis; the grant is read-only.",
            "Action::kms:ReEncrypt*": "Objects written to the site bucket are encrypted under this site's own key; "
                                      "CDK's grant lets the deploy role encrypt with this one key and nothing else.",
            "Action::kms:GenerateDataKey*": "Objects written to the site bucket are encrypted under this site's own "
                                            "key; CDK's grant lets the deploy role encrypt with this one key only.",
            "Resource::*": "CloudFront CreateInvalidation and GetInvalidation, granted by CDK's BucketDeployment so "
                           "a deploy clears the edge caches; they change no content and no configuration.",
        }
        for finding, reason in findings.items():
            acknowledge(self.deploy_role, f"AwsSolutions-IAM5[{finding}]", reason)
        acknowledge(self.deploy_role, "PCI.DSS.321-IAMNoInlinePolicy",
                    "The inline policy is the one CDK's BucketDeployment and the log group's grant_write generate "
                    "for this role: this site's bucket and key, the assets bucket, and its own log group.")
        handler = _bucket_deployment_handler(Stack.of(self))
        acknowledge(handler, "AwsSolutions-L1",
                    "The BucketDeployment handler is CDK's own singleton function; CDK chooses its runtime and "
                    "moves it forward with aws-cdk-lib upgrades, which this project pins.")
        acknowledge(handler, "PCI.DSS.321-LambdaInsideVPC",
                    "The deploy-time copy function runs only during cdk deploy, handles public page files (no "
                    "cardholder data), reaches only the S3 and CloudFront APIs, and opens no listener.")


def _assets_objects(stack: Stack) -> str:
    """Objects of the CDK bootstrap assets bucket (default synthesizer naming), as the deploy role's policy has it."""
    if not isinstance(stack.synthesizer, DefaultStackSynthesizer):
        raise TypeError(f"{stack.node.path}: StaticSite expects the default stack synthesizer's assets bucket")
    qualifier = stack.node.try_get_context(BOOTSTRAP_QUALIFIER_CONTEXT) or DefaultStackSynthesizer.DEFAULT_QUALIFIER
    bucket = DefaultStackSynthesizer.DEFAULT_FILE_ASSETS_BUCKET_NAME.replace("${Qualifier}", qualifier)
    return f"arn:${{AWS::Partition}}:s3:::{bucket}/*"


def _bucket_deployment_handler(stack: Stack) -> IConstruct:
    found = [child for child in stack.node.children if child.node.id.startswith(_BUCKET_DEPLOYMENT_HANDLER)]
    if len(found) != 1:
        raise RuntimeError(f"expected CDK's one BucketDeployment handler in {stack.node.path}, found {len(found)}")
    return found[0]


def _security_behavior(headers: security_headers.SecurityHeaders,
                       connect_sources: Sequence[str]) -> cloudfront.ResponseSecurityHeadersBehavior:
    """CloudFront's typed security headers, from the shared definition."""
    return cloudfront.ResponseSecurityHeadersBehavior(
        content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
            content_security_policy=headers.content_security_policy(connect_sources), override=True),
        strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
            access_control_max_age=Duration.seconds(headers.hsts.max_age_seconds),
            include_subdomains=headers.hsts.include_subdomains, preload=headers.hsts.preload, override=True),
        content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
        frame_options=cloudfront.ResponseHeadersFrameOptions(
            frame_option=cloudfront.HeadersFrameOption[headers.frame_options], override=True),
        referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
            referrer_policy=cloudfront.HeadersReferrerPolicy[headers.referrer_policy.upper().replace("-", "_")],
            override=True),
    )
