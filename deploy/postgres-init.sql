-- The engines' trackers live in their own database beside the service's (compose.yaml: ENGINE_TRACKER_STORE_URL).
CREATE DATABASE rasa OWNER glueckauf;
