"""CustomerCreated -> a workplace (portal) account for the customer's account team.

The same shape as the AWS Lambda handler users already run: the bus invokes
lambda_handler(event, context) with the event's detail (input_path $.detail).
"""
from meshd_publish import publish


def lambda_handler(event, context):
    customer_id = event["customer_id"]
    user = {
        "user_id": "wp-" + customer_id.lower(),
        "customer_id": customer_id,
        "display_name": event.get("name", customer_id),
        "segment": event.get("segment", "standard"),
        "groups": ["customers", "segment-" + event.get("segment", "standard")],
        "provisioned_by": context.function_name,
    }
    publish("workplace_users", "/workplace/provisioning", "WorkplaceUserProvisioned",
            "wp-user-" + customer_id, user, key=customer_id)
    return {"statusCode": 200, "user_id": user["user_id"]}
