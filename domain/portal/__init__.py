"""The referring-practice portal: portal accounts, the message thread with intake, the service catalog."""
