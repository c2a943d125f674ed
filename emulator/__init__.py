"""Local emulator of the job APIs jobgate.cloud talks to (AWS Panorama and Backup, Azure Stack HCI). Test tool only."""
