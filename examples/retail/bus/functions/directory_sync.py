"""UserProfileUpdated -> the workplace directory entry follows the department change."""
from meshd_publish import publish


def lambda_handler(event, context):
    entry = {
        "employee_id": event["employee_id"],
        "department": event["department"],
        "previous_department": event.get("previous_department"),
        "title": event.get("title"),
        "synced_by": context.function_name,
    }
    publish("workplace_directory", "/workplace/directory", "DirectoryEntryUpdated",
            "dir-" + context.aws_request_id, entry, key=event["employee_id"])
    return {"statusCode": 200}
