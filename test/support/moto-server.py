"""moto_server, with AWS's reading of conditions in the policies it enforces.

moto checks a bucket policy's statements without the request's condition keys, ignores every
condition operator but StringEquals, and calls a statement whose conditions do not hold a
denial (even an Allow). So a Deny that AWS applies only when a key is present
({"Null": {"s3:x-amz-server-side-encryption": "false"}}) refused every request, and an SSE-KMS
bucket policy (Ferry's guards against writes under another key) could not be tested at all.

Two fixes, both as AWS documents them: a Null condition on a key the request does not carry
holds only for "true"; a statement whose conditions do not hold does not apply (neutral).
Everything else is moto as it is.
"""
import sys

from moto.iam import access_control, policy_conditions

_verify = policy_conditions.TrustCondition.verify_condition


def _verify_with_null(self, actual_values):
    if self._condition == "Null" and not actual_values:
        return all(str(v).lower() == "true" for v in self._expected_value)
    return _verify(self, actual_values)


policy_conditions.TrustCondition.verify_condition = _verify_with_null

_permitted = access_control.IAMPolicyStatement.is_action_permitted


def _permitted_when_conditions_hold(
    self, action, resource="*", principal=None, incoming_condition_values=None
):
    if self._statement.get("Condition") and not self._check_conditions(incoming_condition_values):
        return access_control.PermissionResult.NEUTRAL
    return _permitted(self, action, resource, principal, incoming_condition_values)


access_control.IAMPolicyStatement.is_action_permitted = _permitted_when_conditions_hold

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
