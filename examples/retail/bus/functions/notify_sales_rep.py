"""A premium customer's large purchase -> a notification in the sales rep's workplace feed."""
from meshd_publish import publish


def lambda_handler(event, context):
    note = {
        "channel": "sales-reps",
        "customer_id": event.get("customer_id"),
        "store_id": event.get("store_id"),
        "amount": event.get("amount"),
        "message": "Premium customer {} spent {} at {}".format(
            event.get("customer_id"), event.get("amount"), event.get("store_id")),
    }
    publish("workplace_notifications", "/workplace/notifications", "SalesRepNotified",
            "note-" + context.aws_request_id, note, key=event.get("customer_id"))
    return {"statusCode": 200}
